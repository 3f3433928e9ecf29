package ics

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/ics/block"
	"github.com/mms-project/mms/internal/corpus"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/corpus")

// The golden run: each meeting's organiser is taken as the user (so every
// later rule is exercised), "now" is early enough for every meeting to be
// future, and the change moves the meeting to a new Teams link and
// conference id.
var (
	goldenNow    = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	goldenStamp  = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	goldenChange = Change{Provider: block.ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0", ConferenceID: "123 456 789"}
)

// TestCorpusGolden pins the decision for every meeting of every real file
// and every line a rewrite changes; all other lines must stay byte for byte.
func TestCorpusGolden(t *testing.T) {
	for _, path := range corpus.RealFiles(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := goldenReport(name, data)
			golden := filepath.Join("testdata", "corpus", strings.TrimSuffix(name, ".ics")+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./ics -run TestCorpusGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("decisions differ from %s:\n%s", golden, firstDiff(string(want), got))
			}
		})
	}
}

func goldenReport(name string, data []byte) string {
	var b strings.Builder
	cal, err := Parse(name, data)
	if err != nil {
		fmt.Fprintf(&b, "refused: %v\n", err)
		return b.String()
	}
	counts := map[string]int{}
	for _, m := range cal.Meetings() {
		org := ""
		if p, ok := m.First().Prop("ORGANIZER"); ok {
			org = address(p.Value)
		}
		res := cal.Migrate(m, Rules{Organizer: []string{org}, Now: goldenNow, Stamp: goldenStamp}, goldenChange)
		outcome := string(res.Skipped)
		switch {
		case res.Err != nil:
			outcome = "failed: " + res.Err.Error()
		case res.Rewritten():
			outcome = fmt.Sprintf("rewritten (%d components)", len(res.Changed))
		}
		counts[outcome]++
		if len(cal.Meetings()) > 20 && !res.Rewritten() {
			continue // large feeds: counted below, not listed
		}
		fmt.Fprintf(&b, "UID %s\n  %s\n  provider=%s people=%d\n  old=%s\n  new=%s\n", m.UID, outcome, res.Provider, res.People, res.OldJoinURL, res.NewJoinURL)
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "count %s: %d\n", k, counts[k])
	}
	b.WriteString(changedLines(cal))
	return b.String()
}

// changedLines lists each replaced or inserted line, unfolded, and checks
// that the output holds every other line byte for byte.
func changedLines(cal *Calendar) string {
	var b strings.Builder
	idx := make([]int, 0, len(cal.replace)+len(cal.insertions))
	for i := range cal.replace {
		idx = append(idx, i)
	}
	for i := range cal.insertions {
		if _, ok := cal.replace[i]; !ok {
			idx = append(idx, i)
		}
	}
	sort.Ints(idx)
	for _, i := range idx {
		if ins, ok := cal.insertions[i]; ok {
			fmt.Fprintf(&b, "+ before line %d: %s\n", cal.lines[i].num, unfold(ins))
		}
		if rep, ok := cal.replace[i]; ok {
			fmt.Fprintf(&b, "~ line %d: %s\n", cal.lines[i].num, unfold(rep))
		}
	}
	if n := lostLine(cal); n > 0 {
		fmt.Fprintf(&b, "!! line %d not kept byte for byte\n", n)
	}
	return b.String()
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			return fmt.Sprintf("line %d\nwant: %s\ngot:  %s", i+1, a, c)
		}
	}
	return ""
}

// The corpus's negative files hold a Teams link but no block.
func TestNegativeFilesHaveNoBlock(t *testing.T) {
	for _, path := range corpus.RealFiles(t) {
		if !strings.HasPrefix(filepath.Base(path), "NEGATIVE_") {
			continue
		}
		data, _ := os.ReadFile(path)
		cal, err := Parse(path, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cal.Meetings() {
			if b, ok := cal.findBlock(m); ok {
				t.Errorf("%s: UID %s: found a %s block %q", filepath.Base(path), m.UID, b.Provider, b.JoinURL)
			}
		}
	}
}

// TestResultCarriesTheBlockItRead: for every meeting of the corpus and the
// demo that the decision found a block in, Result.OldBlock is what a fresh
// Finder reads in Result.OldBody, and OldBody is the body of the first
// component holding a block (the report takes the old block from the
// Result instead of looking again).
func TestResultCarriesTheBlockItRead(t *testing.T) {
	var f block.Finder
	carried := 0
	for _, path := range keepFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := Parse(filepath.Base(path), data)
		if err != nil {
			continue
		}
		for _, m := range cal.Meetings() {
			var want block.Block
			var wantBody string
			var wantInText, found bool
			for _, comp := range m.Components() {
				if p, ok := comp.Prop("DESCRIPTION"); ok {
					if want, found = f.FindText(p.Text()); found {
						wantBody, wantInText = p.Text(), true
						break
					}
				}
				if p, ok := htmlBody(comp); ok {
					if want, found = f.FindHTML(p.Text()); found {
						wantBody = p.Text()
						break
					}
				}
			}
			org := ""
			if p, ok := m.First().Prop("ORGANIZER"); ok {
				org = address(p.Value)
			}
			early := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // few meetings past
			res := cal.Migrate(m, Rules{Organizer: []string{org}, Now: early, Stamp: goldenStamp}, goldenChange)
			if res.OldBody == "" {
				if res.Rewritten() {
					t.Errorf("%s: UID %s rewritten without the block it read", path, m.UID)
				}
				continue
			}
			carried++
			if !found || res.OldBody != wantBody || res.OldInText != wantInText || !reflect.DeepEqual(res.OldBlock, want) {
				t.Errorf("%s: UID %s: Result carries %+v (in text: %v), a fresh find reads %+v (in text: %v)", path, m.UID, res.OldBlock, res.OldInText, want, wantInText)
			}
		}
	}
	if carried < 50 {
		t.Errorf("only %d meetings carried a block; the corpus and demo have more", carried)
	}
	t.Logf("%d meetings carried the block they were decided on", carried)
}
