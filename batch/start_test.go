package batch

import (
	"context"
	"testing"
)

// A start's --user may name a user by an alias of the users file, any
// case, as status --user and rollback --user may, also once the user's
// rows are in several batches, or read from the files given (found by an audit: it said the state store
// held no migration of this user).
func TestStartUserByAlias(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	sum, err := Run(ctx, o)
	if err != nil || sum.Updated == 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	for range 2 { // the second finds the user's rows in the run and in the first start
		s, err := Start(ctx, StartOptions{User: "Anna.Berg@contoso.com", Now: demoNow, DB: o.DB})
		if err != nil || s.User != "user00000@contoso.com" || s.From == "" {
			t.Fatalf("start of an alias: %+v %v", s, err)
		}
	}
	s, err := Start(ctx, StartOptions{User: "ANNA.BERG@contoso.com", Users: o.Users, Changes: o.Changes, Out: o.Out, Now: demoNow, DB: o.DB})
	if err != nil || s.User != "user00000@contoso.com" {
		t.Fatalf("start of an alias from the files: %+v %v", s, err)
	}
}
