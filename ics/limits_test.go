package ics

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// A calendar just over MaxCalendarBytes, or with one component more than
// MaxComponents, is refused with a clear message before it is read into
// lines; one at the limits is read.
func TestCalendarLimits(t *testing.T) {
	head, tail := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "END:VCALENDAR\r\n"
	big := func(size int) []byte {
		b := make([]byte, 0, size)
		b = append(b, head...)
		b = append(b, "X-FILL:"...)
		b = append(b, bytes.Repeat([]byte("a"), size-len(b)-2-len(tail))...)
		return append(append(b, "\r\n"...), tail...)
	}
	if _, err := Parse("big.ics", big(MaxCalendarBytes+1)); !errors.Is(err, ErrCalendarTooLarge) || !strings.Contains(err.Error(), "big.ics: the calendar is 50331649 bytes, more than the 48 MiB") {
		t.Errorf("over MaxCalendarBytes: %v", err)
	}
	if _, err := Parse("big.ics", big(MaxCalendarBytes)); err != nil {
		t.Errorf("at MaxCalendarBytes: %v", err)
	}
	events := func(n int) []byte {
		var b strings.Builder
		b.WriteString(head)
		for i := range n {
			fmt.Fprintf(&b, "begin:VEVENT\r\nUID:%d\r\nEND:VEVENT\r\n", i)
		}
		b.WriteString(tail)
		return []byte(b.String())
	}
	if _, err := Parse("many.ics", events(MaxComponents)); !errors.Is(err, ErrCalendarTooLarge) || !strings.Contains(err.Error(), "many.ics: the calendar holds more than 100000 components") {
		t.Errorf("over MaxComponents: %v", err) // the VCALENDAR counts too
	}
	cal, err := Parse("many.ics", events(MaxComponents-1))
	if err != nil || len(cal.Meetings()) != MaxComponents-1 {
		t.Errorf("at MaxComponents: %v", err)
	}
}
