package main

import "testing"

// --meetings and MMS_MEETINGS reach run, start --user and start (a whole
// batch queued).
func TestMeetingsFlag(t *testing.T) {
	c := parse(t, nil, "run", "--users", "u.csv", "--changes", "c.csv", "--meetings", "m.xlsx", "--out", "o", "--report", "r.csv")
	if c.run == nil || c.run.Meetings != "m.xlsx" {
		t.Fatalf("mms run --meetings: %+v", c.run)
	}
	c = parse(t, map[string]string{"MMS_MEETINGS": "em.csv"}, "run", "--users", "u.csv", "--changes", "c.csv", "--out", "o", "--report", "r.csv")
	if c.run == nil || c.run.Meetings != "em.csv" {
		t.Fatalf("mms run with MMS_MEETINGS: %+v", c.run)
	}
	c = parse(t, nil, "start", "--user", "a@contoso.com", "--meetings", "m.csv")
	if c.start == nil || c.start.Meetings != "m.csv" {
		t.Fatalf("mms start --user --meetings: %+v", c.start)
	}
	c = parse(t, nil, "start", "--users", "u.csv", "--changes", "c.csv", "--meetings", "m.csv", "--out", "o")
	if c.enqueue == nil || c.enqueue.Meetings != "m.csv" {
		t.Fatalf("mms start --users --meetings: %+v", c.enqueue)
	}
}
