package batch

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/report"
)

// finish writes the report from the state store, when the batch has one,
// marks the batch finished and sums it up.
// reportPath, when not "", overrides the batch's own.
// Temporary files older than workStart were left by a process that was
// killed; every user of the batch is done, so none is still being written.
func finish(ctx context.Context, st *store.Store, b store.Batch, reportPath string, workStart time.Time, sum Summary, t Tuning) (Summary, error) {
	set, err := batchSettings(b)
	if err != nil {
		return sum, err
	}
	if reportPath != "" {
		set.Report = reportPath
	}
	sum.Send, sum.DryRun, sum.Now = set.Send, b.DryRun, b.Now
	if set.Out != "" && !b.DryRun {
		for _, dir := range []string{"calendars", "outbox"} {
			if err := migrate.RemoveStaleTemps(filepath.Join(set.Out, dir), workStart); err != nil {
				return sum, fmt.Errorf("batch %s: removing what a stopped run left: %w", b.ID, err)
			}
		}
	}
	// The users are summed as they are read, for the report or, without
	// one, on their own: a batch's rows are never all held at once.
	users := func(yield func(report.User) error) error {
		var counted Summary
		err := st.EachUser(ctx, store.Filter{BatchID: b.ID}, func(u store.User) error {
			counted.add(u)
			return yield(report.User{UserID: u.Shown(), State: u.State, MigrationType: u.MigrationType, TotalMeeting: u.TotalMeeting,
				SucceededMeeting: u.SucceededMeeting, FailedMeeting: u.FailedMeeting, SkippedMeeting: u.SkippedMeeting, InvitesUpdate: u.InvitesUpdate,
				RetryCount: u.RetryCount, LastMessage: u.LastMessage, CreateDate: u.CreatedAt, ModifiedDate: u.ModifiedAt, CorrelationID: u.CorrelationID})
		})
		sum.Failed, sum.Updated, sum.Invites, sum.ServerInvites, sum.Triggered = counted.Failed, counted.Updated, counted.Invites, counted.ServerInvites, counted.Triggered
		sum.FailedUsers = counted.FailedUsers
		if sum.Users == 0 {
			sum.Users = counted.Users
		}
		return err
	}
	if set.Report == "" {
		if err := users(func(report.User) error { return nil }); err != nil {
			return sum, err
		}
		var counts meetingCounts // what the summary says of them, without a report to count them as it is written
		if err := st.Meetings(ctx, b.ID, false, func(m store.Meeting) error { counts.add(m.Meeting); return nil }); err != nil {
			return sum, unavailable(err)
		}
		counts.to(&sum)
	} else {
		t.withDefaults().Events(Event{Kind: WritingReport, BatchID: b.ID, Files: []string{set.Report}})
		if err := report.RemoveStaleTemps(set.Report, workStart); err != nil {
			return sum, reportFailed(ctx, err)
		}
		var counts meetingCounts
		if err := writeReport(ctx, st, heading(b, set, append(t.Connections.Notes(), sum.Warnings...)), set.Report, users, &counts, t); err != nil {
			return sum, reportFailed(ctx, err)
		}
		counts.to(&sum)
		sum.Report = set.Report
		if strings.HasSuffix(strings.ToLower(set.Report), ".csv") {
			sum.Report += ", " + report.MeetingsCSV(set.Report) + " and " + report.HeadingCSV(set.Report)
		}
	}
	if err := st.Present(ctx); err != nil { // removed while the report was written
		return sum, unavailable(err)
	}
	if set.Out != "" && !b.DryRun {
		migrate.RemoveSpills(set.Out, b.ID) // every update of the batch recorded
	}
	return sum, st.FinishBatch(ctx, b.ID)
}

// writeReport writes the report from the store. The meetings are read by
// a goroutine of their own, a few hundred rows ahead of the sheet being
// written: both take a core, and the report is the part of a run no other
// work overlaps.
func writeReport(ctx context.Context, st *store.Store, h report.Heading, path string, users report.Users, counts *meetingCounts, t Tuning) error {
	batchID := h.BatchID
	defer t.enter(PhaseReport)()
	shown, err := st.Displays(ctx, batchID) // users the users file spells otherwise than in lower case
	if err != nil {
		return err
	}
	meetings := func(yield func(report.Meeting) error) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		chunks := make(chan []report.Meeting, 4)
		var readErr error
		go func() {
			defer close(chunks)
			const chunk = 512
			buf := make([]report.Meeting, 0, chunk)
			send := func() error {
				select {
				case chunks <- buf:
					buf = make([]report.Meeting, 0, chunk)
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			readErr = st.Meetings(ctx, batchID, report.ShowsTexts(path), func(m store.Meeting) error {
				if d, ok := shown[m.UserID]; ok {
					m.UserID = d
				}
				buf = append(buf, m.Meeting)
				if len(buf) < chunk {
					return nil
				}
				return send()
			})
			if readErr == nil && len(buf) > 0 {
				readErr = send()
			}
		}()
		for ms := range chunks {
			for _, m := range ms {
				counts.add(m)
				if err := yield(m); err != nil {
					cancel()
					for range chunks { // let the reader end
					}
					return err
				}
			}
		}
		return readErr
	}
	return report.WriteReport(path, h, users, meetings)
}

// meetingCounts counts a batch's meetings as its report is written: those
// the users organise, and of them those skipped because they end before
// --now (the run warns when that is every one).
type meetingCounts struct{ all, past, skipped, alreadySent, failed, borrowed int }

// to puts the counts in a summary.
func (c meetingCounts) to(sum *Summary) {
	sum.Meetings, sum.Past = c.all, c.past
	sum.Skipped, sum.AlreadySent, sum.FailedMeetings = c.skipped, c.alreadySent, c.failed
	sum.Borrowed = c.borrowed
}

func (c *meetingCounts) add(m report.Meeting) {
	if m.Outcome == migrate.Skipped && m.Reason == string(ics.NotOrganizer) {
		c.skipped++ // counted as the report's SkippedMeeting counts it
		return      // not the user's meeting: its time does not matter
	}
	c.all++
	if m.Outcome != migrate.Skipped && m.Outcome != migrate.Failed && strings.Contains(m.Detail, ics.BorrowedIDNote) {
		c.borrowed++
	}
	switch {
	case m.Outcome == migrate.Failed:
		c.failed++
	case m.Outcome != migrate.Skipped:
	case m.Reason == string(ics.Past):
		c.past++
		c.skipped++
	case m.Reason == migrate.AlreadySent:
		c.alreadySent++
		c.skipped++
	default:
		c.skipped++
	}
}

// reportFailed is a report that could not be written, the batch done: the
// run could not finish (exit 4), and the same command writes it.
func reportFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	return unavailable(fmt.Errorf("%w; the batch's work is done and recorded: fix this (free some space) and run the same command again to write its report", err))
}

// heading says what the report is: the batch, its kind, --now, its
// times, its inputs and the mms that wrote it; notes are the run's loud
// notices (TLS certificates not verified, CalDAV writes not read back).
func heading(b store.Batch, set Settings, notes []string) report.Heading {
	h := report.Heading{BatchID: b.ID, Kind: b.KindName(), Now: b.Now, Started: b.CreatedAt, Finished: time.Now(), Version: Version()}
	switch {
	case b.Kind == store.BatchRollback:
		h.Notes = append(h.Notes, "restores what batch "+set.RollbackOf+" rewrote")
	case b.DryRun:
		h.Notes = append(h.Notes, "nothing was written or sent; a real run would "+deliveryOf(set))
	}
	h.Inputs = set.Inputs()
	if len(set.Only) > 0 {
		h.Notes = append(h.Notes, "a pilot of only "+strings.Join(set.Only, ", "))
	}
	h.Notes = append(h.Notes, set.Notes...)
	h.Notes = append(h.Notes, notes...)
	return h
}

// deliveryOf says what a real run of a batch does with its updates.
func deliveryOf(set Settings) string {
	switch {
	case set.Send == "none":
		return "send no update (--send none)"
	case set.Send == "server":
		return "leave the updates to the CalDAV server's scheduling (--send server)"
	case strings.HasPrefix(set.Send, "smtp://"):
		return "submit the updates to " + set.Send
	}
	if set.Out == "" {
		return "write the updates to the outbox under --out"
	}
	return "write the updates to " + filepath.Join(set.Out, "outbox")
}

// validateReport checks the name of a report file; "" is checked where a
// report is required.
func validateReport(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".csv", ".html", ".htm":
		return nil
	}
	if path == "" {
		return nil
	}
	return fmt.Errorf("--report %s: use a name ending in .xlsx, .csv or .html (.htm)", path)
}
