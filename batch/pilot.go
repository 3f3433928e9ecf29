package batch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mms-project/mms/batch/input"
)

// pilot keeps, of what the files hold, only the users of run --user (by
// primary address or alias, any case), their changes and their rejected
// rows; rows that belong to no user stay. A name in only that the users
// file lacks is bad input.
func pilot(only []string, users []input.User, changes []input.Change, rowErrs []input.RowError) ([]input.User, []input.Change, []input.RowError, error) {
	if len(only) == 0 {
		return users, changes, rowErrs, nil
	}
	keep := map[string]bool{}
	for _, name := range only {
		name = strings.ToLower(strings.TrimSpace(name))
		i := slices.IndexFunc(users, func(u input.User) bool { return u.Email == name || slices.Contains(u.Aliases, name) })
		if i < 0 {
			return nil, nil, nil, fmt.Errorf("--user %s: no such user in the users file (by primary address or alias)", name)
		}
		keep[users[i].Email] = true
	}
	users = slices.DeleteFunc(users, func(u input.User) bool { return !keep[u.Email] })
	changes = slices.DeleteFunc(changes, func(c input.Change) bool { return !keep[c.User] })
	rowErrs = slices.DeleteFunc(rowErrs, func(e input.RowError) bool { return e.User != "" && !keep[e.User] })
	return users, changes, rowErrs, nil
}
