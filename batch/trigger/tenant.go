package trigger

// Tenant holds the tenant's meeting-migration settings.
type Tenant struct {
	// MeetingMigrationEnabled false: nothing migrates.
	MeetingMigrationEnabled bool `json:"meeting_migration_enabled"`
	// AutomaticallyMigrateUserMeetings false: audio-conferencing changes
	// (every triggering kind but moved-to-online) do not trigger.
	AutomaticallyMigrateUserMeetings bool `json:"automatically_migrate_user_meetings"`
	// AutomaticallyReplaceACPProvider true: license-assigned to a user of a
	// third-party audio-conferencing provider triggers, and the migration
	// replaces that provider's dial-in details.
	AutomaticallyReplaceACPProvider bool `json:"automatically_replace_acp_provider"`
}

// DefaultTenant is what a new state store holds.
func DefaultTenant() Tenant {
	return Tenant{MeetingMigrationEnabled: true, AutomaticallyMigrateUserMeetings: true}
}
