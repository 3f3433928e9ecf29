package batch

import (
	"runtime"
	"strings"
	"testing"
)

// Defaults are applied first, then the options are checked, once: an
// unset option gets its default, and --send is refused with one message
// by every command that takes it.
func TestOptionsDefaultsThenValidate(t *testing.T) {
	o := RunOptions{Users: "u.csv", Changes: "c.csv", Report: "r.xlsx", Out: "out"}
	d := o.WithDefaults()
	if d.Send != "outbox" || d.Workers != runtime.NumCPU() || d.DB != "mms.db" || d.Clock == nil || d.Events == nil {
		t.Errorf("defaults: %+v", d)
	}
	if o.Send != "" || o.Workers != 0 || o.DB != "" {
		t.Errorf("WithDefaults changed its receiver: %+v", o)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, send := range []string{"carrier-pigeon", "smtp://relay.example.com", "smtp://:25"} {
		o.Send = send
		run := o.WithDefaults().Validate()
		start := StartOptions{User: "a@contoso.com", Send: send}.WithDefaults().Validate()
		if run == nil || start == nil || !strings.Contains(run.Error(), start.Error()) || !strings.Contains(start.Error(), send) {
			t.Errorf("--send %s: run %v; start %v", send, run, start)
		}
	}
	if err := (RunOptions{Tuning: Tuning{Workers: -1}}).WithDefaults().Validate(); err == nil || !strings.Contains(err.Error(), "--workers -1") {
		t.Errorf("--workers -1: %v", err)
	}
	s := StartOptions{User: " Anna@Contoso.com "}.WithDefaults()
	if s.User != "anna@contoso.com" || s.Clock == nil || s.Validate() != nil {
		t.Errorf("start defaults: %+v", s)
	}
}
