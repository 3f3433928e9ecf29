package migrate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/ics/block"
	"github.com/mms-project/mms/internal/davserver"
	"github.com/mms-project/mms/internal/davtest"
)

// calendarsEnv is one Calendars under test and the place its calendars
// are kept, seen as another program sees it.
type calendarsEnv struct {
	cals Calendars
	// load keeps the fixture file's meetings and returns the location a
	// users file would give.
	load func(t *testing.T, file string) string
	// written is the location that holds what Write stored.
	written func(location string) string
	// stored returns what is kept at location now, per UID, unfolded
	// (files: the output file; CalDAV: what the server returns).
	stored func(t *testing.T, location string) map[string]string
	// editMeanwhile changes a document where it is kept, as someone else
	// would between our read and write; nil when nobody can (files).
	editMeanwhile func(t *testing.T, d *Doc)
	missing       string // a location where no calendar is
}

const suiteFixture = "../../fixtures/demo/calendars/user00000.ics"

// demoNow is the demo batch's time.
var demoNow = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

var suiteRules = ics.Rules{Organizer: []string{"user00000@contoso.com", "anna.berg@contoso.com"}, Now: demoNow, Stamp: demoNow}

var suiteChange = ics.Change{Provider: block.ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0", ConferenceID: "500000000"}

// testCalendars is the suite every Calendars passes.
func testCalendars(t *testing.T, env func(t *testing.T) calendarsEnv) {
	ctx := context.Background()
	t.Run("reads every meeting that can change", func(t *testing.T) {
		e := env(t)
		docs, err := e.cals.Read(ctx, e.load(t, suiteFixture))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := rewritable(t, docs), rewritableInFile(t); !slices.Equal(got, want) {
			t.Errorf("meetings to rewrite: %v\nwant (from the file): %v", got, want)
		}
	})
	t.Run("stores a rewrite and nothing else", func(t *testing.T) {
		e := env(t)
		loc := e.load(t, suiteFixture)
		before := e.stored(t, loc)
		docs, _ := e.cals.Read(ctx, loc)
		d, uid := firstRewrite(t, docs)
		if err := e.cals.Write(ctx, d); err != nil {
			t.Fatal(err)
		}
		after := e.stored(t, e.written(loc))
		for u, text := range before {
			switch {
			case u == uid && text == after[u]:
				t.Errorf("UID %s: stored unchanged after its rewrite", u)
			case u != uid && text != after[u]:
				t.Errorf("UID %s changed though only %s was rewritten:\n%s\n---\n%s", u, uid, text, after[u])
			}
		}
		again, err := e.cals.Read(ctx, e.written(loc))
		if err != nil {
			t.Fatal(err)
		}
		if r := migrateUID(again, uid); r.Skipped != ics.AlreadyCurrent {
			t.Errorf("UID %s read back: %+v, want already-current", uid, r)
		}
	})
	t.Run("an edit made meanwhile is never overwritten", func(t *testing.T) {
		e := env(t)
		if e.editMeanwhile == nil {
			t.Skip("nobody else writes where this Calendars writes")
		}
		loc := e.load(t, suiteFixture)
		docs, _ := e.cals.Read(ctx, loc)
		d, uid := firstRewrite(t, docs)
		e.editMeanwhile(t, d)
		if err := e.cals.Write(ctx, d); !errors.Is(err, ErrChanged) {
			t.Fatalf("Write after an edit meanwhile: %v, want ErrChanged", err)
		}
		if s := e.stored(t, loc)[uid]; !strings.Contains(s, "SUMMARY:Edited meanwhile") {
			t.Fatalf("the other edit is gone:\n%s", s)
		}
		fresh, err := e.cals.Reread(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if r := migrateUID([]*Doc{fresh}, uid); !r.Rewritten() || r.Summary != "Edited meanwhile" {
			t.Errorf("re-read: %+v, want the other edit, to be rewritten", r)
		}
	})
	t.Run("a missing calendar fails its user at once", func(t *testing.T) {
		e := env(t)
		if _, err := e.cals.Read(ctx, e.missing); err == nil || !store.IsPermanent(err) {
			t.Errorf("Read(%s): %v, want a permanent error", e.missing, err)
		}
	})
}

func rewritable(t *testing.T, docs []*Doc) []string {
	t.Helper()
	var uids []string
	for _, d := range docs {
		if d.Err != nil {
			t.Errorf("%s: %v", d.Name, d.Err)
			continue
		}
		for _, m := range d.Cal.Meetings() {
			if d.Cal.Migrate(m, suiteRules, suiteChange).Rewritten() {
				uids = append(uids, m.UID)
			}
		}
	}
	sort.Strings(uids)
	return uids
}

func rewritableInFile(t *testing.T) []string {
	docs, err := FileCalendars{}.Read(context.Background(), suiteFixture)
	if err != nil {
		t.Fatal(err)
	}
	uids := rewritable(t, docs)
	if len(uids) < 2 {
		t.Fatalf("the fixture has %d meetings to rewrite", len(uids))
	}
	return uids
}

// firstRewrite rewrites the first meeting that can change, in memory.
func firstRewrite(t *testing.T, docs []*Doc) (*Doc, string) {
	t.Helper()
	for _, d := range docs {
		for _, m := range d.Cal.Meetings() {
			if r := d.Cal.Migrate(m, suiteRules, suiteChange); r.Rewritten() {
				d.Changed = r.Changed
				return d, m.UID
			}
		}
	}
	t.Fatal("nothing to rewrite")
	return nil, ""
}

func migrateUID(docs []*Doc, uid string) ics.Result {
	for _, d := range docs {
		for _, m := range d.Cal.Meetings() {
			if m.UID == uid {
				return d.Cal.Migrate(m, suiteRules, suiteChange)
			}
		}
	}
	return ics.Result{}
}

// byUID cuts calendar text into its events per UID, unfolded.
func byUID(text string) map[string]string {
	text = strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "").Replace(text)
	out := map[string]string{}
	for _, ev := range strings.Split(text, "BEGIN:VEVENT")[1:] {
		ev = ev[:strings.Index(ev, "END:VEVENT")]
		uid := ""
		for _, l := range strings.Split(ev, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSuffix(l, "\r"), "UID:"); ok {
				uid = v
			}
		}
		out[uid] += ev
	}
	return out
}

func TestFileCalendars(t *testing.T) {
	testCalendars(t, func(t *testing.T) calendarsEnv {
		in, out := t.TempDir(), t.TempDir()
		f := FileCalendars{Dir: out}
		return calendarsEnv{
			cals: f,
			load: func(t *testing.T, file string) string {
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				p := filepath.Join(in, filepath.Base(file))
				if err := os.WriteFile(p, data, 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			},
			written: func(loc string) string { return f.Output(loc, "") },
			stored: func(t *testing.T, loc string) map[string]string {
				data, err := os.ReadFile(loc)
				if err != nil {
					t.Fatal(err)
				}
				return byUID(string(data))
			},
			missing: filepath.Join(in, "none.ics"),
		}
	})
}

func TestDAVCalendars(t *testing.T) {
	srv := davserver.Start(t, "radicale")
	testCalendars(t, func(t *testing.T) calendarsEnv {
		c, err := caldav.New(caldav.Options{Credentials: davtest.Creds("alice")})
		if err != nil {
			t.Fatal(err)
		}
		return calendarsEnv{
			cals:    DAVCalendars{Client: c, From: demoNow, ClientScheduling: true},
			load:    func(t *testing.T, file string) string { return davtest.Calendar(t, srv, "alice", "suite", file) },
			written: func(loc string) string { return loc },
			stored: func(t *testing.T, loc string) map[string]string {
				out := map[string]string{}
				for _, obj := range davtest.Objects(t, srv, "alice", loc) {
					for uid, ev := range byUID(obj) {
						out[uid] += ev
					}
				}
				return out
			},
			editMeanwhile: func(t *testing.T, d *Doc) {
				data, _ := caldavGet(t, c, d.Name)
				edited := strings.Replace(data, "SUMMARY;LANGUAGE=sv-se:", "SUMMARY:Edited meanwhile\r\nX-WAS-SUMMARY;LANGUAGE=sv-se:", 1)
				if edited == data {
					t.Fatalf("no SUMMARY to edit in %s", d.Name)
				}
				u := d.Name[:strings.LastIndexByte(d.Name, '/')+1]
				srv.Put(t, "alice", u, d.Name[len(u):], []byte(edited))
			},
			missing: strings.TrimSuffix(srv.UserURL("alice"), "/") + "/alice/no-such-calendar/",
		}
	})
}

func caldavGet(t *testing.T, c *caldav.Client, href string) (string, string) {
	t.Helper()
	o, err := c.Get(context.Background(), href)
	if err != nil {
		t.Fatal(err)
	}
	return string(o.Data), o.ETag
}
