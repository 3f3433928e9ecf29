package report

import (
	"bufio"
	_ "embed"
	"encoding/json"

	"html/template"
	"io"
	"os"
	"time"
)

// The preview's page: the heading, then the rows as JSON streamed into
// two <script type="application/json"> blocks, then the summary (known
// only once the rows went by) and the script that shows the tables a
// page at a time. See docs/DESIGN.md, "The HTML preview".
var (
	//go:embed preview/page.html.tmpl
	pageTemplate string
	//go:embed preview/preview.css
	previewCSS string
	//go:embed preview/preview.js
	previewJS string

	page = template.Must(template.New("page").Funcs(template.FuncMap{"minute": minute}).Parse(pageTemplate))
)

// writeHTML writes the preview. Each row is written as it comes; memory
// holds one row, the counts, and the first staticMeetings changed
// meetings' blocks for readers without JavaScript.
func writeHTML(path string, h Heading, users Users, meetings Meetings) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 64<<10)
	counts := newTally()
	if err := page.ExecuteTemplate(bw, "head", headView{Heading: h, Lines: h.lines(), CSS: template.CSS(previewCSS)}); err != nil {
		return err
	}
	io.WriteString(bw, `<script type="application/json" id="meetings-data">[`)
	var static staticView
	if err := jsonRows(bw, meetings, func(m Meeting) []any { counts.add(m); static.add(m); return m.record() }); err != nil {
		return err
	}
	io.WriteString(bw, "]</script>\n"+`<script type="application/json" id="users-data">[`)
	if err := jsonRows(bw, users, func(u User) []any { counts.addUser(u); static.addUser(u); return u.record() }); err != nil {
		return err
	}
	io.WriteString(bw, "]</script>\n")
	if err := page.ExecuteTemplate(bw, "static", static); err != nil {
		return err
	}
	if err := page.ExecuteTemplate(bw, "tail", tailView{Charts: charts(counts), JS: template.JS(previewJS)}); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

// jsonRows writes each row as a JSON array, comma separated. Go's JSON
// escapes <, > and &, so no text can end the script block it is in.
func jsonRows[T any](w *bufio.Writer, each func(yield func(T) error) error, record func(T) []any) error {
	n := 0
	return each(func(r T) error {
		b, err := json.Marshal(record(r))
		if err != nil {
			return err
		}
		if n > 0 {
			w.WriteByte(',')
		}
		n++
		w.Write(b)
		return w.WriteByte('\n')
	})
}

// record is the meeting as the preview's script reads it: the columns in
// the sheet's order, then the old block, the new block and the mail.
func (m Meeting) record() []any {
	return []any{clean(m.UserID), clean(m.UID), clean(m.Summary), minute(m.Start), minute(m.End), clean(m.Recurrence),
		m.Attendees, clean(m.Outcome), clean(m.Reason), clean(m.Detail), clean(m.Changes), clean(m.Provider),
		clean(m.OldJoinURL), clean(m.NewJoinURL), clean(m.OldBlock), clean(m.NewBlock), clean(m.MailText)}
}

func (u User) record() []any {
	return []any{clean(u.UserID), clean(u.State), clean(u.MigrationType), u.TotalMeeting, u.SucceededMeeting, u.FailedMeeting,
		u.SkippedMeeting, u.InvitesUpdate, u.RetryCount, clean(u.LastMessage), minute(u.CreateDate), minute(u.ModifiedDate), clean(u.CorrelationID)}
}

// minute is a time as the preview shows it; the text sorts as the time.
func minute(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04") + " UTC"
}

// staticMeetings bounds the meetings of each table, and the users, the
// page shows without JavaScript.
const staticMeetings = 1000

// staticView is what the page shows without JavaScript (and what a reader
// of the page's HTML finds in tables): the first staticMeetings meetings
// whose block changes, old and new side by side, the first of the others
// (skipped, failed), the first users, and how many there are of each.
type staticView struct {
	Rows   []Meeting
	Total  int
	Others []Meeting
	// OthersTotal counts the meetings whose block does not change.
	OthersTotal int
	Users       []User
	UsersTotal  int
}

func (v *staticView) add(m Meeting) {
	row := func() Meeting {
		return Meeting{UserID: clean(m.UserID), UID: clean(m.UID), Summary: clean(m.Summary), Start: m.Start, End: m.End,
			Recurrence: clean(m.Recurrence), Attendees: m.Attendees, Outcome: clean(m.Outcome), Reason: clean(m.Reason),
			Detail: clean(m.Detail), Changes: clean(m.Changes), Provider: clean(m.Provider), OldJoinURL: clean(m.OldJoinURL),
			NewJoinURL: clean(m.NewJoinURL)}
	}
	if m.NewBlock == "" {
		v.OthersTotal++
		if len(v.Others) < staticMeetings {
			v.Others = append(v.Others, row())
		}
		return
	}
	// A block is at most a few KB; a body's (and so a block's) size is
	// bounded where it is read, so these rows stay within a few MB.
	v.Total++
	if len(v.Rows) < staticMeetings {
		r := row()
		r.OldBlock, r.NewBlock = clean(m.OldBlock), clean(m.NewBlock)
		v.Rows = append(v.Rows, r)
	}
}

func (v *staticView) addUser(u User) {
	v.UsersTotal++
	if len(v.Users) < staticMeetings {
		v.Users = append(v.Users, User{UserID: clean(u.UserID), State: clean(u.State), MigrationType: clean(u.MigrationType),
			TotalMeeting: u.TotalMeeting, SucceededMeeting: u.SucceededMeeting, FailedMeeting: u.FailedMeeting, SkippedMeeting: u.SkippedMeeting,
			InvitesUpdate: u.InvitesUpdate, RetryCount: u.RetryCount, LastMessage: clean(u.LastMessage), CreateDate: u.CreateDate,
			ModifiedDate: u.ModifiedDate, CorrelationID: clean(u.CorrelationID)})
	}
}

// More says whether some meetings whose block changes are left out of the
// page without JavaScript; MoreOthers and MoreUsers, of the other tables.
func (v staticView) More() bool       { return v.Total > len(v.Rows) }
func (v staticView) MoreOthers() bool { return v.OthersTotal > len(v.Others) }
func (v staticView) MoreUsers() bool  { return v.UsersTotal > len(v.Users) }

type headView struct {
	Heading
	Lines [][2]string
	CSS   template.CSS
}

type tailView struct {
	Charts []chartView
	JS     template.JS
}

// chartView is one bar chart of the summary, drawn as inline SVG.
type chartView struct {
	Title, Key string // Key: the hash parameter a bar's link sets
	Total      int
	Bars       []bar
	Height     int
}

type bar struct {
	Label        string
	Value, Width int
	Y            int
}

const barMax = 220 // pixels of the longest bar

func charts(t *tally) []chartView {
	reasons := t.reasons
	return []chartView{
		chartOf("Users by state", "state", states, t.byState, t.users),
		chartOf("Meetings by outcome", "outcome", outcomes, t.byOutcome, t.meetings),
		chartOf("Skipped meetings by reason", "filter", reasons, t.byReason, t.byOutcome["skipped"]),
	}
}

func chartOf(title, key string, labels []string, counts map[string]int, total int) chartView {
	top := 1
	for _, l := range labels {
		top = max(top, counts[l])
	}
	c := chartView{Title: title, Key: key, Total: total}
	for i, l := range labels {
		v := counts[l]
		c.Bars = append(c.Bars, bar{Label: l, Value: v, Width: v * barMax / top, Y: i * 26})
	}
	c.Height = max(len(labels)*26, 26)
	return c
}
