package ics

import (
	"bytes"
	"errors"
	"fmt"
)

// Limits of one calendar. Parse keeps the file, its lines and its
// components in memory: about 2 bytes per byte of a file of long bodies
// (43 MB: 88 MB live, the file included), and about 1.2 KB per component
// of a file of tiny events (99,998 events in 9 MB: 118 MB). A calendar
// over either limit is refused whole, before it is read into lines, so one
// calendar costs at most about 150 MB however it is made.
const (
	MaxCalendarBytes = 48 << 20 // 48 MiB: a mailbox's export of long Outlook bodies stays well below
	MaxComponents    = 100_000  // BEGIN lines: events, instances, alarms, time zones
)

// ErrCalendarTooLarge is wrapped by Parse's error for a calendar over
// MaxCalendarBytes or MaxComponents.
var ErrCalendarTooLarge = errors.New("calendar too large")

// checkLimits refuses data over MaxCalendarBytes or with more than
// MaxComponents components, counting BEGIN lines without splitting the
// file into lines.
func checkLimits(name string, data []byte) error {
	if len(data) > MaxCalendarBytes {
		return fmt.Errorf("%s: the calendar is %d bytes, more than the %d MiB mms reads in one calendar (ics.MaxCalendarBytes); split the export (for example by year) or export only future meetings (%w)", name, len(data), MaxCalendarBytes>>20, ErrCalendarTooLarge)
	}
	if n := countBegins(data); n > MaxComponents {
		return fmt.Errorf("%s: the calendar holds more than %d components (BEGIN lines; ics.MaxComponents); split the export (for example by year) or export only future meetings (%w)", name, MaxComponents, ErrCalendarTooLarge)
	}
	return nil
}

// countBegins counts the lines that start with BEGIN:, in any case, up to
// MaxComponents+1.
func countBegins(data []byte) int {
	n := 0
	for i := 0; i < len(data) && n <= MaxComponents; {
		if len(data)-i >= 6 && bytes.EqualFold(data[i:i+6], []byte("BEGIN:")) {
			n++
		}
		k := bytes.IndexByte(data[i:], '\n')
		if k < 0 {
			break
		}
		i += k + 1
	}
	return n
}
