package batch

import (
	"path/filepath"

	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/migrate"
)

// outputNames gives each file user's rewritten calendar its name under
// DIR/calendars: the input's file name, as the contract says; where an
// earlier user of the users file already has that name (Outlook exports
// are all Calendar.ics), the path below root, the users file's folder
// (u2/Calendar.ics). A user left without a name ("") cannot be told apart
// and fails. CalDAV users have none.
func outputNames(users []input.User, root string) map[string]string {
	names := map[string]string{}
	taken := map[string]bool{}
	for _, u := range users {
		if migrate.IsCalDAV(u.Calendar) || u.Calendar == "" {
			continue
		}
		name := filepath.Base(u.Calendar)
		if taken[name] {
			name = ""
			if rel, err := filepath.Rel(root, u.Calendar); err == nil && filepath.IsLocal(rel) && !taken[rel] {
				name = rel
			}
		}
		if name != "" {
			taken[name] = true
		}
		names[u.Email] = name
	}
	return names
}
