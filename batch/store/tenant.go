package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/mms-project/mms/batch/trigger"
)

// Tenant settings keys.
var tenantKeys = []string{"meeting_migration_enabled", "automatically_migrate_user_meetings", "automatically_replace_acp_provider"}

// TenantKeys lists the tenant settings.
func TenantKeys() []string { return append([]string(nil), tenantKeys...) }

// Tenant returns the tenant settings, defaults (trigger.DefaultTenant)
// where never set.
func (s *Store) Tenant(ctx context.Context) (trigger.Tenant, error) {
	t := trigger.DefaultTenant()
	r, err := s.eng.query(ctx, `SELECT key, value FROM mms_tenant`)
	if err != nil {
		return t, fmt.Errorf("reading tenant settings: %w", err)
	}
	defer r.Close()
	for r.Next() {
		var k, v string
		if err := r.Scan(&k, &v); err != nil {
			return t, fmt.Errorf("reading tenant settings: %w", err)
		}
		b, err := strconv.ParseBool(v)
		if field := tenantField(&t, k); field != nil && err == nil {
			*field = b
		}
	}
	return t, r.Err()
}

// ParseTenant checks one tenant setting, before any store is opened:
// key one of TenantKeys, value true or false (as strconv.ParseBool reads).
func ParseTenant(key, value string) (bool, error) {
	var t trigger.Tenant
	if tenantField(&t, key) == nil {
		return false, fmt.Errorf("unknown tenant setting %q; use one of %s", key, strings.Join(tenantKeys, ", "))
	}
	b, err := strconv.ParseBool(value)
	if err != nil {
		return false, fmt.Errorf("tenant setting %s: %q is not true or false", key, value)
	}
	return b, nil
}

// SetTenant changes one tenant setting; value is true or false.
func (s *Store) SetTenant(ctx context.Context, key, value string) error {
	b, err := ParseTenant(key, value)
	if err != nil {
		return err
	}
	_, err = s.eng.exec(ctx, `INSERT INTO mms_tenant (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		key, strconv.FormatBool(b))
	if err != nil {
		return fmt.Errorf("tenant setting %s: %w", key, err)
	}
	return nil
}

func tenantField(t *trigger.Tenant, key string) *bool {
	switch key {
	case "meeting_migration_enabled":
		return &t.MeetingMigrationEnabled
	case "automatically_migrate_user_meetings":
		return &t.AutomaticallyMigrateUserMeetings
	case "automatically_replace_acp_provider":
		return &t.AutomaticallyReplaceACPProvider
	}
	return nil
}
