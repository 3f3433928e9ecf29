package report

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/internal/chromium"
)

// artefacts is where browser tests keep their screenshots:
// $MMS_ARTIFACTS, else report/testdata/out (ignored by git).
func artefacts() string {
	if d := os.Getenv("MMS_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join("testdata", "out")
}

var (
	meetingRow = regexp.MustCompile(`<tr class="row[ "]`)
	countText  = regexp.MustCompile(`<span class="count">([^<]*)</span>`)
	noscript   = regexp.MustCompile(`(?s)<noscript>.*?</noscript>`)
	headCell   = regexp.MustCompile(`<th[^>]*>([^<]*)</th>`)
)

// The preview as Chromium shows it: the heading, the summary above the
// tables, a page of 100 of the 250 meetings, a filter and an open meeting
// set from the URL, the old and the new block with the changed words
// marked.
func TestHTMLInChromium(t *testing.T) {
	browser := chromium.Find(t)
	path, err := filepath.Abs(filepath.Join(t.TempDir(), "preview.html"))
	if err != nil {
		t.Fatal(err)
	}
	ms := previewMeetings(250)
	ms[4].Summary = "</script><b>not bold</b>"
	if err := Write(path, heading, previewUsers(), ms); err != nil {
		t.Fatal(err)
	}
	page := (&url.URL{Scheme: "file", Path: path}).String()

	dom := browser.DumpDOM(t, page, chromium.Options{})
	if n := len(meetingRow.FindAllString(dom, -1)); n != 100 {
		t.Errorf("%d meeting rows shown, want a page of 100", n)
	}
	counts := countText.FindAllStringSubmatch(dom, -1)
	if len(counts) != 2 || counts[0][1] != "1–100 of 250 meetings" || counts[1][1] != "1–7 of 7 users" {
		t.Errorf("pager counts %q", counts)
	}
	for _, want := range []string{"b-7f3a9c21", "dry run", "v1.4.0", "users.xlsx, changes.xlsx", "TLS certificates not verified",
		"Meetings by outcome", "&lt;/script&gt;&lt;b&gt;not bold&lt;/b&gt;"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
	if strings.Contains(dom, "<b>not bold</b>") {
		t.Error("a summary became markup")
	}
	if n := strings.Count(noscript.ReplaceAllString(dom, ""), ">UserId</th>"); n != 2 { // the report's column names, in both tables
		t.Errorf("%d tables head their first column UserId, want 2", n)
	}
	// The meetings table's columns are the report's, named and ordered as
	// in the workbook and the CSV.
	if i := strings.Index(dom, `<table id="m-table"><thead><tr>`); i < 0 {
		t.Error("no meetings table")
	} else {
		head := dom[i:]
		head = head[:strings.Index(head, "</tr>")]
		var got []string
		for _, m := range headCell.FindAllStringSubmatch(head, -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, meetingColumns) {
			t.Errorf("meetings table columns\n got %q\nwant %q", got, meetingColumns)
		}
	}
	if s, m := strings.Index(dom, `id="summary"`), strings.Index(dom, `id="meetings"`); s < 0 || s > m {
		t.Errorf("summary at %d, meetings at %d: the summary belongs above", s, m)
	}

	dom = browser.DumpDOM(t, page+"#filter=failed&page=1", chromium.Options{})
	rows := meetingRow.FindAllStringIndex(dom, -1)
	if len(rows) != 83 {
		t.Errorf("filter=failed shows %d rows, want 83", len(rows))
	}
	if strings.Count(dom, `class="badge o-failed"`) != len(rows) {
		t.Error("filter=failed shows meetings that did not fail")
	}
	if c := countText.FindStringSubmatch(dom); c == nil || c[1] != "1–83 of 83 meetings (filtered from 250)" {
		t.Errorf("filtered count %q", c)
	}

	dom = browser.DumpDOM(t, page+"#outcome=skipped&sort=-3&open=u241", chromium.Options{})
	first := meetingRow.FindStringIndex(dom)
	if first == nil || !strings.HasPrefix(dom[first[0]:], `<tr class="row"><td>user002@contoso.com</td><td class="id" title="u247">u247</td><td class="wrap"><div class="clamp" title="Veckomöte 247">Veckomöte 247</div></td>`) {
		t.Errorf("sort by Start, descending, does not start with the last skipped meeting, 247:\n%.300s", dom[first[0]:])
	}
	if !strings.Contains(dom, "last occurrence 2025-12-01 09:00 UTC") {
		t.Error("the open skipped meeting does not show its Detail")
	}

	dom = browser.DumpDOM(t, page+"#open=u3", chromium.Options{})
	for _, want := range []string{"<del>old</del>", "<ins>new</ins>", "<del>111</del>", "<ins>987</ins>", "Mail to attendees",
		"The meeting's join details changed.", "conference ID 111 222 333 -&gt; 987 654 321; join link kept"} {
		if !strings.Contains(dom, want) {
			t.Errorf("open meeting u3 does not show %q", want)
		}
	}
	if strings.Contains(dom, "<del>Join") || strings.Contains(dom, "<ins>Join") {
		t.Error("unchanged words marked as changed")
	}

	for name, view := range map[string]string{"preview.png": "#open=u3", "preview-skipped.png": "#outcome=skipped&open=u4"} {
		shot := filepath.Join(artefacts(), name)
		browser.Screenshot(t, page+view, shot, chromium.Options{Width: 1280, Height: 1400})
		t.Logf("screenshot: %s", shot)
	}
}

// 100,000 meetings stay usable: the page opens on its first 100 rows and
// a filter runs over them all, within the browser's virtual time.
func TestHTMLInChromiumLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 meetings in Chromium: not with -short")
	}
	browser := chromium.Find(t)
	path, err := filepath.Abs(filepath.Join(t.TempDir(), "large.html"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(path, heading, previewUsers(), previewMeetings(100_000)); err != nil {
		t.Fatal(err)
	}
	page := (&url.URL{Scheme: "file", Path: path}).String()
	dom := browser.DumpDOM(t, page+"#filter=veckomöte 9999", chromium.Options{Budget: 20 * time.Second})
	if n := len(meetingRow.FindAllString(dom, -1)); n != 11 {
		t.Errorf("%d rows match 'veckomöte 9999', want 11 (9999, 99990-99999)", n)
	}
	if c := countText.FindStringSubmatch(dom); c == nil || c[1] != "1–11 of 11 meetings (filtered from 100000)" {
		t.Errorf("count %q", c)
	}
}
