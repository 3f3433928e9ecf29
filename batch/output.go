package batch

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/migrate"
)

// outputNames gives each file user's rewritten calendar its name under
// DIR/calendars: the input's file name, as the contract says; where an
// earlier user of the users file already has that name (Outlook exports
// are all Calendar.ics), the path below root, the users file's folder
// (u2/Calendar.ics), else (a file outside it, or that path taken by a
// file outside) the folders above it, as few as tell it apart
// (/exports/bo/Calendar.ics: bo/Calendar.ics), else its name numbered. A
// user left without a name ("") cannot be told apart and fails. CalDAV
// users have none.
func outputNames(users []input.User, root string) map[string]string {
	names := map[string]string{}
	taken := map[string]bool{}
	for _, u := range users {
		if migrate.IsCalDAV(u.Calendar) || u.Calendar == "" {
			continue
		}
		name := filepath.Base(u.Calendar)
		if taken[name] {
			name = shortestFree(u.Calendar, taken)
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

// shortestFree is the last folders of path with its file name, as few as
// are not taken, else the file name numbered (Calendar-2.ics); "" when
// none of those is free.
func shortestFree(path string, taken map[string]bool) string {
	parts := strings.Split(filepath.ToSlash(filepath.Clean(path)), "/")
	for k := 2; k <= len(parts); k++ {
		name := filepath.Join(parts[len(parts)-k:]...)
		if name != "" && filepath.IsLocal(name) && !taken[name] {
			return name
		}
	}
	base := filepath.Base(path)
	ext := filepath.Ext(base)
	for n := 2; n <= maxNumbered; n++ {
		if name := fmt.Sprintf("%s-%d%s", strings.TrimSuffix(base, ext), n, ext); !taken[name] {
			return name
		}
	}
	return ""
}

// maxNumbered bounds the numbers tried after a file name.
const maxNumbered = 1000
