package migrate

import (
	"errors"

	"github.com/mms-project/mms/batch/store"
)

// userStop is a failure that no other meeting of the user can escape
// (the server refused the credentials): the user fails at once.
type userStop struct{ err error }

func (e userStop) Error() string { return e.err.Error() }
func (e userStop) Unwrap() error { return e.err }

func stopUser(err error) error { return store.Permanent(userStop{err}) }

func stopsUser(err error) bool { return errors.As(err, new(userStop)) }

// runStop is a failure that every user would meet (the mail relay refused
// the credentials or its certificate): the run stops, to be started again
// once it is fixed. Nothing done is lost: the batch resumes.
type runStop struct{ err error }

func (e runStop) Error() string { return e.err.Error() }
func (e runStop) Unwrap() error { return e.err }

// StopsRun reports whether err stopped the whole run rather than one user.
func StopsRun(err error) bool { return errors.As(err, new(runStop)) }
