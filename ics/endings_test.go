package ics

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// bareLF counts the LFs not preceded by CR.
func bareLF(b []byte) int {
	return bytes.Count(b, []byte("\n")) - bytes.Count(b, []byte("\r\n"))
}

// Changed lines end in CRLF (SPEC: "changed lines are folded at 75
// octets ..., with CRLF endings"), in a CRLF file and in a file whose lines
// end in LF alone, whose unchanged lines keep their LF; a CalDAV object
// (BytesCRLF) is CRLF throughout, whatever the data it was read from (a
// REPORT's data arrives LF-only).
func TestChangedLinesEndInCRLF(t *testing.T) {
	crlfSrc := calendar(future(event{body: teamsBody(oldJoin), extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + oldJoin + "\r\n"}))
	lfSrc := strings.ReplaceAll(crlfSrc, "\r\n", "\n")
	for name, src := range map[string]string{"CRLF": crlfSrc, "LF": lfSrc} {
		cal, res := migrateOne(t, src, testRules, newTeams)
		if !res.Rewritten() {
			t.Fatalf("%s: %+v", name, res)
		}
		file, dav := cal.Bytes(), cal.BytesCRLF()
		in := strings.SplitAfter(src, "\n")
		kept := map[string]bool{}
		for _, l := range in {
			kept[l] = true
		}
		changed := 0
		for _, l := range strings.SplitAfter(string(file), "\n") {
			switch {
			case kept[l]: // an unchanged line, its ending as it was
			case strings.HasSuffix(l, "\r\n"):
				changed++
			default:
				t.Errorf("%s: changed line %q does not end in CRLF", name, l)
			}
		}
		if changed == 0 {
			t.Errorf("%s: no changed line found", name)
		}
		if name == "LF" && !bytes.Contains(file, []byte("\nBEGIN:VEVENT\n")) {
			t.Errorf("LF file: an unchanged line lost its LF ending")
		}
		if n := bareLF(dav); n != 0 {
			t.Errorf("%s: BytesCRLF has %d bare LF", name, n)
		}
		if got, want := string(dav), strings.ReplaceAll(strings.ReplaceAll(string(file), "\r\n", "\n"), "\n", "\r\n"); got != want {
			t.Errorf("%s: BytesCRLF differs from Bytes in more than line endings", name)
		}
		if !bytes.Contains(file, []byte("SEQUENCE:1")) {
			t.Errorf("%s: the change is missing", name)
		}
	}
	// An unedited CRLF calendar is sent as it was read.
	cal, err := Parse("t.ics", []byte(crlfSrc))
	if err != nil {
		t.Fatal(err)
	}
	if string(cal.BytesCRLF()) != crlfSrc {
		t.Error("BytesCRLF changed an unedited CRLF calendar")
	}
}

// A fold never splits a UTF-8 character (DAViCal refuses such a body): a
// non-BMP character (4 octets), a 3- and a 2-octet one at every position
// around the fold, in one piece or spread over several.
func TestFoldNeverSplitsACharacter(t *testing.T) {
	for _, ch := range []string{"🙂", "𝄞", "👩‍👩‍👧", "漢", "ü"} {
		for pad := 0; pad < 160; pad++ {
			text := "DESCRIPTION:" + strings.Repeat("a", pad) + strings.Repeat(ch, 30) + "z"
			for _, cut := range []int{0, len(text) / 3, len(text) / 2, len(text) - 1} {
				folded := foldPieces(text[:cut], text[cut:])
				checkFolded(t, text, folded)
			}
		}
	}
}

func checkFolded(t *testing.T, text, folded string) {
	t.Helper()
	if !strings.HasSuffix(folded, "\r\n") {
		t.Fatalf("folded line does not end in CRLF: %q", folded)
	}
	lines := strings.Split(strings.TrimSuffix(folded, "\r\n"), "\r\n")
	var back strings.Builder
	for i, l := range lines {
		if len(l) > foldWidth {
			t.Fatalf("physical line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("physical line %d splits a character: %q", i, l)
		}
		if i > 0 {
			l = strings.TrimPrefix(l, " ")
		}
		back.WriteString(l)
	}
	if back.String() != text {
		t.Fatalf("unfolds to %q, want %q", back.String(), text)
	}
}

// A rewritten DESCRIPTION with emoji before the block at every offset folds
// into valid UTF-8 lines.
func TestRewriteFoldsEmojiWhole(t *testing.T) {
	for pad := 0; pad < 80; pad++ {
		body := strings.Repeat("x", pad) + strings.Repeat("🙂", 40) + "\n\n" + teamsBody(oldJoin)
		cal, res := migrateOne(t, calendar(future(event{body: body})), testRules, newTeams)
		if !res.Rewritten() {
			t.Fatalf("pad %d: %+v", pad, res)
		}
		for i, l := range strings.Split(string(cal.BytesCRLF()), "\r\n") {
			if !utf8.ValidString(l) || len(l) > foldWidth && !strings.HasPrefix(l, "ATTENDEE") {
				t.Fatalf("pad %d: line %d (%d octets) splits a character or is too long: %q", pad, i, len(l), l)
			}
		}
	}
}

// A file whose parts were written with different endings (events appended
// with LF to a CRLF file) keeps each unchanged line's ending; every changed
// line ends in CRLF.
func TestMixedEndingsKeepEachLines(t *testing.T) {
	ev := func(uid string) event {
		return future(event{uid: uid, body: teamsBody(oldJoin), extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + oldJoin + "\r\n"})
	}
	all := calendar(ev("crlf@x"), ev("lf1@x"), ev("lf2@x"))
	k := strings.Index(all, "END:VEVENT\r\n") + len("END:VEVENT\r\n")
	src := all[:k] + strings.ReplaceAll(all[k:], "\r\n", "\n")
	cal, err := Parse("mixed.ics", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cal.Meetings() {
		if res := cal.Migrate(m, testRules, newTeams); !res.Rewritten() {
			t.Fatalf("%s: %+v", m.UID, res)
		}
	}
	out := string(cal.Bytes())
	first, rest, ok := strings.Cut(out, "END:VEVENT\r\n")
	if !ok {
		t.Fatalf("the CRLF event's end lost its CRLF:\n%s", out)
	}
	if n := bareLF([]byte(first)); n != 0 {
		t.Errorf("the CRLF event has %d lines ending in a bare LF", n)
	}
	for _, line := range []string{"END:VEVENT\n", "UID:lf1@x\n", "UID:lf2@x\n", "END:VCALENDAR\n"} {
		if !strings.Contains(rest, line) {
			t.Errorf("the LF events lost %q", line)
		}
	}
	if n := strings.Count(rest, "SEQUENCE:1\r\n"); n != 2 {
		t.Errorf("the LF events' changed SEQUENCE lines end in CRLF %d times, want 2:\n%s", n, rest)
	}
	if strings.Count(out, "SEQUENCE:1") != 3 {
		t.Errorf("not every event was rewritten:\n%s", out)
	}
}
