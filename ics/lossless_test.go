package ics

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mms-project/mms/internal/corpus"
)

// Every real file reads back byte for byte.
func TestRoundTripCorpus(t *testing.T) {
	for _, path := range corpus.RealFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			cal, err := Parse(filepath.Base(path), data)
			if err != nil && !strings.Contains(err.Error(), "vCalendar 1.0") {
				t.Fatalf("Parse: %v", err)
			}
			if cal == nil {
				t.Fatal("Parse returned no calendar")
			}
			if got := cal.Bytes(); !bytes.Equal(got, data) {
				t.Fatalf("Bytes() differs from the input (%d vs %d bytes)", len(got), len(data))
			}
		})
	}
}

func TestRoundTripOddities(t *testing.T) {
	cases := map[string]string{
		"bom crlf":        bom + "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
		"lf":              "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n",
		"tab fold":        "BEGIN:VCALENDAR\r\nX-A:ab\r\n\tcd\r\nEND:VCALENDAR\r\n",
		"escape split":    "BEGIN:VCALENDAR\r\nX-A:a\\\r\n nb\r\nEND:VCALENDAR\r\n",
		"utf8 split":      "BEGIN:VCALENDAR\r\nX-A:\xe6\xbc\r\n \xa2\r\nEND:VCALENDAR\r\n",
		"raw break":       "BEGIN:VCALENDAR\r\nX-A:<p>one\r\nsecond line</p>\r\nEND:VCALENDAR\r\n",
		"no final EOL":    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR",
		"blank lines":     "BEGIN:VCALENDAR\r\n\r\nVERSION:2.0\r\n\r\nEND:VCALENDAR\r\n\r\n",
		"truncated":       "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMM",
		"long line":       "BEGIN:VCALENDAR\r\nX-A:" + strings.Repeat("x", 300) + "\r\nEND:VCALENDAR\r\n",
		"mixed endings":   "BEGIN:VCALENDAR\nVERSION:2.0\r\nEND:VCALENDAR\n",
		"trailing junk":   "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\ngarbage\r\n",
		"unbalanced ends": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			cal, _ := Parse(name, []byte(in))
			if got := string(cal.Bytes()); got != in {
				t.Fatalf("got %q", got)
			}
		})
	}
}

func TestUnfold(t *testing.T) {
	cal, err := Parse("t.ics", []byte("BEGIN:VCALENDAR\r\nX-A;P=\"a:b;c\":ab\r\n\tcd\\\r\n ne\xe6\xbc\r\n \xa2\r\nX-B:<p>one\nsecond</p>\r\nEND:VCALENDAR\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	root := cal.roots[0]
	a, _ := root.Prop("X-A")
	if a.Value != "abcd\\ne漢" || a.Param("P") != "a:b;c" || a.Text() != "abcd\ne漢" {
		t.Fatalf("X-A = %q params %v", a.Value, a.Params())
	}
	if b, _ := root.Prop("X-B"); b.Value != "<p>one\nsecond</p>" {
		t.Fatalf("X-B = %q", b.Value)
	}
}

func TestFold(t *testing.T) {
	for _, in := range []string{
		"DESCRIPTION:" + strings.Repeat("å", 100),
		"DESCRIPTION:" + strings.Repeat("a", 62) + `\n` + strings.Repeat("b", 100),
		"DESCRIPTION:" + strings.Repeat("漢字", 60) + "🙂🙂🙂",
		"DESCRIPTION:" + strings.Repeat(`a\\\\\\,`, 30),
		"SHORT:x",
	} {
		out := fold(in)
		if !strings.HasSuffix(out, "\r\n") {
			t.Fatalf("no CRLF at the end: %q", out)
		}
		for _, phys := range strings.SplitAfter(out, "\r\n") {
			body := strings.TrimSuffix(phys, "\r\n")
			if len(body) > foldWidth {
				t.Fatalf("line of %d octets: %q", len(body), body)
			}
			if !utf8.ValidString(strings.TrimPrefix(body, " ")) {
				t.Fatalf("fold split a character: %q", body)
			}
			if strings.HasSuffix(body, `\`) && !strings.HasSuffix(body, `\\`) {
				t.Fatalf("fold split an escape: %q", body)
			}
		}
		if got := unfold(out); got != in {
			t.Fatalf("unfold(fold(x)) = %q, want %q", got, in)
		}
		for i := 0; i <= len(in); i += 7 { // folding pieces is folding their concatenation
			for j := i; j <= len(in); j += 13 {
				if got := foldPieces(in[:i], "", in[i:j], in[j:]); got != out {
					t.Fatalf("foldPieces split at %d and %d = %q, want %q", i, j, got, out)
				}
			}
		}
	}
}

func TestSpliceKeepsEscapesOutsideTheSpan(t *testing.T) {
	value := `Hej\, världen\; 漢字\nBLOCK\nslut\,`
	text := unescapeText(value)
	start := strings.Index(text, "BLOCK")
	got := spliceText(value, start, start+len("BLOCK"), "new, block\n")
	if want := `Hej\, världen\; 漢字\nnew\, block\n\nslut\,`; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// escape writes what RFC 5545 TEXT escaping with CRLF or LF as a line
// break gives, and unescapeText reads it back.
func TestEscape(t *testing.T) {
	reference := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`)
	for _, in := range []string{"", "plain", `a\b;c,d`, "x\r\ny\nz\r", "\r\r\n\n", "漢字, 🙂; \\", strings.Repeat("a,b;", 40)} {
		got := escape(in)
		if want := reference.Replace(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
		if back := unescapeText(got); back != strings.ReplaceAll(in, "\r\n", "\n") {
			t.Errorf("unescapeText(escape(%q)) = %q", in, back)
		}
	}
}

// An edit rewrites only its own line, ending in CRLF even in a file of LF
// endings; everything else keeps its bytes.
func TestEditTouchesOneLine(t *testing.T) {
	in := "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:1\nSUMMARY;LANGUAGE=sv:Möte\n\tmed text\nSEQUENCE:4\nEND:VEVENT\nEND:VCALENDAR\n"
	cal, err := Parse("t.ics", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	ev := cal.Components("VEVENT")[0]
	seq, _ := ev.Prop("SEQUENCE")
	cal.setValue(seq, "5")
	cal.insertBefore(ev.end, "X-NEW:"+strings.Repeat("ü", 50))
	want := "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:1\nSUMMARY;LANGUAGE=sv:Möte\n\tmed text\nSEQUENCE:5\r\nX-NEW:" +
		strings.Repeat("ü", 34) + "\r\n " + strings.Repeat("ü", 16) + "\r\nEND:VEVENT\nEND:VCALENDAR\n" // the file's own LF endings kept
	if got := string(cal.Bytes()); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "t.ics: the file is empty"},
		{"not ical", "hello world\n", "t.ics: line 1: not an iCalendar file"},
		{"vcard", "BEGIN:VCARD\r\nEND:VCARD\r\n", "BEGIN:VCARD where BEGIN:VCALENDAR was expected"},
		{"utf-16 with a byte order mark", "\xff\xfeB\x00E\x00G\x00I\x00N\x00", "t.ics: the file is UTF-16 text; export the calendar again as UTF-8"},
		{"utf-16 without one", "\x00B\x00E\x00G\x00I\x00N", "t.ics: the file is UTF-16 text"},
		{"vcal 1.0", "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nEND:VCALENDAR\r\n", "t.ics: line 2: this is a vCalendar 1.0 file"},
		// A file cut short loses the meetings after the cut: refused whole,
		// even where the cut falls between two events.
		{"only BEGIN:VCALENDAR", "BEGIN:VCALENDAR\r\n", "t.ics: line 1: the file ends before END:VCALENDAR (truncated?)"},
		{"cut between events", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n", "t.ics: line 5: the file ends before END:VCALENDAR (truncated?)"},
		{"cut inside an event", "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:a\nSUMM", "t.ics: line 5: the file ends before END:VCALENDAR (truncated?)"},
		{"cut after blank lines", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\r\n\r\n", "t.ics: line 4: the file ends before END:VCALENDAR (truncated?)"},
		{"second calendar cut", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n", "the calendar begun at line 3"},
		{"END:VCALENDAR itself cut", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALEN", "t.ics: line 3: the file ends before END:VCALENDAR (truncated?)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.ics", []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// A bad event fails only itself; its neighbours are readable.
func TestBadEventFailsOnlyItself(t *testing.T) {
	in := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" +
		"BEGIN:VEVENT\r\nUID:good-1\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:bad\r\nDTSTART;TZID=Europe/Oslo 20260101T100000\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:good-2\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:cut\r\nSUMMARY:x\r\nEND:VCALENDAR\r\n"
	cal, err := Parse("t.ics", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range cal.Meetings() {
		got[m.UID] = ""
		if m.Err != nil {
			got[m.UID] = m.Err.Error()
		}
	}
	want := map[string]string{
		"good-1": "",
		"bad":    `t.ics: line 8: DTSTART: parameter TZID: no ':' before the value`,
		"good-2": "",
		"cut":    "t.ics: line 13: BEGIN:VEVENT is closed by END:VCALENDAR at line 16",
	}
	for uid, w := range want {
		if got[uid] != w {
			t.Errorf("%s: err = %q, want %q", uid, got[uid], w)
		}
	}
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDESCRIPTION:x\\\r\n n\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Add([]byte(bom + "BEGIN:VCALENDAR\nX-A;P=\"q:;\":v\n\tw\nEND:VCALENDAR"))
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\n\r\nraw\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, _ := Parse("fuzz.ics", data)
		if got := cal.Bytes(); !bytes.Equal(got, data) {
			t.Fatalf("Bytes() differs from the input")
		}
		_ = cal.Meetings()
	})
}

// FuzzMigrate: a rewrite never panics and leaves every line it does not
// replace byte for byte.
func FuzzMigrate(f *testing.F) {
	f.Add([]byte(calendar(future(event{body: teamsBody(oldJoin)}))))
	f.Add([]byte(calendar(future(event{body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=3\r\nSEQUENCE:2\r\n"}))))
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nORGANIZER:mailto:anna@contoso.com\r\nDTSTART:20270101T000000Z\r\nDESCRIPTION:____________\\n<https://teams.microsoft.com/l/meetup-join/a>\\n____________\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Add([]byte(calendar(future(event{body: "Hi", extra: altDesc(teamsHTML(oldJoin))}))))
	f.Add([]byte(calendar(future(event{body: teamsBody(oldJoin), extra: altDesc("<p>Hello</p>" + teams2023HTML(oldJoin) + "<p>Bye</p>")}))))
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := Parse("fuzz.ics", data)
		if err != nil {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, m := range cal.Meetings() {
				cal.Migrate(m, testRules, newTeams)
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Migrate took more than 10 s over %d bytes", len(data))
		}
		if n := lostLine(cal); n > 0 {
			t.Fatalf("line %d not kept byte for byte", n)
		}
		if !cal.Edited() && string(cal.Bytes()) != string(data) {
			t.Fatal("an unedited calendar changed")
		}
		if n := bareLF(cal.BytesCRLF()); n > 0 {
			t.Fatalf("BytesCRLF holds %d bare LF", n)
		}
		if l := changedWithoutCRLF(data, cal.Bytes()); l != "" {
			t.Fatalf("changed line %q does not end in CRLF", l)
		}
		again, err := Parse("again.ics", cal.Bytes())
		if err != nil {
			t.Fatalf("the output does not parse: %v", err)
		}
		for _, m := range again.Meetings() {
			if res := again.Migrate(m, testRules, newTeams); res.Rewritten() {
				t.Fatalf("UID %q rewritten again over its own output", m.UID)
			}
		}
		// The dial-in removed: another path through the HTML.
		dropped, _ := Parse("fuzz.ics", data)
		start := time.Now()
		for _, m := range dropped.Meetings() {
			dropped.Migrate(m, testRules, dropDialIn)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("Migrate without dial-in took %s over %d bytes", d, len(data))
		}
		if n := lostLine(dropped); n > 0 {
			t.Fatalf("line %d not kept byte for byte when the dial-in is removed", n)
		}
	})
}

// mixed returns how many lines end otherwise than most do.
// changedWithoutCRLF returns the first line of out that is not one of in's
// (each line counted once) and does not end in CRLF; "" when none.
func changedWithoutCRLF(in, out []byte) string {
	kept := map[string]int{}
	for _, l := range strings.SplitAfter(string(in), "\n") {
		kept[l]++
	}
	for _, l := range strings.SplitAfter(string(out), "\n") {
		if kept[l] > 0 {
			kept[l]--
			continue
		}
		if l != "" && !strings.HasSuffix(l, "\r\n") {
			return l
		}
	}
	return ""
}

// lostLine returns the number of the first line that the edited calendar
// does not hold byte for byte, in order, among the lines not replaced; 0
// when every one is kept.
func lostLine(cal *Calendar) int {
	rest := string(cal.Bytes())
	for i, l := range cal.lines {
		if _, replaced := cal.replace[i]; replaced {
			continue
		}
		raw := cal.data[l.start:l.end]
		k := strings.Index(rest, raw)
		if k < 0 {
			return l.num
		}
		rest = rest[k+len(raw):]
	}
	return 0
}

// A raw line break kept in a value that is written again becomes the
// escape \n: the edited line stays one content line.
func TestFoldEscapesRawBreaks(t *testing.T) {
	for in, want := range map[string]string{
		"DESCRIPTION:Hello\r\nworld": `DESCRIPTION:Hello\nworld` + "\r\n",
		"DESCRIPTION:Hello\nworld":   `DESCRIPTION:Hello\nworld` + "\r\n",
		"DESCRIPTION:a\rb\n\nc":      `DESCRIPTION:a\nb\n\nc` + "\r\n",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// escapedOffsets and unescapeText agree with walks of every byte.
func TestEscapedOffsetsAgreeWithAWalk(t *testing.T) {
	walk := func(value string, start, end int) (int, int) { // the escape rules, byte by byte
		s, e := -1, -1
		u := 0
		for i := 0; ; i++ {
			if u == start && s < 0 {
				s = i
			}
			if u == end {
				e = i
				break
			}
			if i >= len(value) {
				break
			}
			if value[i] == '\\' && i+1 < len(value) {
				i++
			}
			u++
		}
		if s < 0 {
			s = len(value)
		}
		if e < 0 {
			e = len(value)
		}
		return s, e
	}
	unescape := func(s string) string { // the escape rules, byte by byte
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			switch {
			case s[i] != '\\' || i+1 == len(s):
				b.WriteByte(s[i])
			case s[i+1] == 'n' || s[i+1] == 'N':
				b.WriteByte('\n')
				i++
			default:
				b.WriteByte(s[i+1])
				i++
			}
		}
		return b.String()
	}
	for _, v := range []string{"", "a", `\`, `\\`, `a\nb`, `\,\;\\\n`, `abc\`, `x\Ny\\`, `漢\,字\`, `\\\\\\`, "plain text with no escapes"} {
		if got, want := unescapeText(v), unescape(v); got != want {
			t.Fatalf("unescapeText(%q) = %q, want %q", v, got, want)
		}
		n := len(unescapeText(v)) + 2
		for start := 0; start <= n; start++ {
			for end := 0; end <= n; end++ {
				gs, ge := escapedOffsets(v, start, end)
				ws, we := walk(v, start, end)
				if gs != ws || ge != we {
					t.Fatalf("escapedOffsets(%q, %d, %d) = %d, %d, want %d, %d", v, start, end, gs, ge, ws, we)
				}
			}
		}
	}
}

// Raw lines after a long one are cut in time linear in the file: whether
// a content line takes raw line breaks is read once for it, not again for
// each raw line after it (a hostile file of a 1 MB line and 20,000 raw
// lines took seconds).
func TestManyRawLinesAfterALongOne(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nCLASS:PUBLIC\r\n")
	b.WriteString(strings.Repeat("x", 1<<20) + "\r\n")
	for range 20000 {
		b.WriteString("raw line\r\n")
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	began := time.Now()
	cal, err := Parse("t.ics", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("parsing took %v", took)
	}
	if ms := cal.Meetings(); len(ms) != 1 || ms[0].Err == nil {
		t.Errorf("the meeting with a line that is no iCalendar line after CLASS: %d meetings", len(ms))
	}
}
