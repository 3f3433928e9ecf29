package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/store"
)

func statusCommand(out io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show users' migration states, like Get-CsMeetingMigrationStatus",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "summary", Usage: "a count of users per state", Sources: cli.EnvVars("MMS_SUMMARY")},
			&cli.StringFlag{Name: "user", Usage: "only this user", Sources: cli.EnvVars("MMS_USER")},
			&cli.StringFlag{Name: "state", Usage: "only users in this state: Pending, InProgress, Failed, Succeeded, NotTriggered", Sources: cli.EnvVars("MMS_STATE")},
			&cli.StringFlag{Name: "since", Usage: "only users modified at or after this RFC 3339 time", Sources: cli.EnvVars("MMS_SINCE")},
			&cli.StringFlag{Name: "until", Usage: "only users modified before this RFC 3339 time", Sources: cli.EnvVars("MMS_UNTIL")},
			&cli.StringFlag{Name: "batch", Usage: "only this batch (default: the latest)", Sources: cli.EnvVars("MMS_BATCH")},
			&cli.BoolFlag{Name: "all", Usage: "every batch, not only the latest", Sources: cli.EnvVars("MMS_ALL")},
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table, csv or json", Sources: cli.EnvVars("MMS_FORMAT")},
			dbFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			f, err := statusFilter(cmd)
			if err != nil {
				return err
			}
			if err := storeExists(cmd.String("db")); err != nil {
				return err
			}
			st, err := openStore(ctx, cmd.String("db"))
			if err != nil {
				return err
			}
			defer st.Close()
			if f.BatchID == "" && !cmd.Bool("all") {
				b, err := st.LatestBatch(ctx)
				if err != nil {
					return err
				}
				f.BatchID = b.ID
			}
			users, err := st.Users(ctx, f)
			if err != nil {
				return err
			}
			if cmd.Bool("summary") {
				return printSummary(out, users, cmd.String("format"))
			}
			return printUsers(out, users, cmd.String("format"))
		},
	}
}

func statusFilter(cmd *cli.Command) (store.Filter, error) {
	f := store.Filter{BatchID: cmd.String("batch"), UserID: cmd.String("user")}
	if v := cmd.String("state"); v != "" {
		i := slices.IndexFunc(store.States(), func(s string) bool { return strings.EqualFold(s, v) })
		if i < 0 {
			return f, fmt.Errorf("--state %q: use Pending, InProgress, Failed, Succeeded or NotTriggered", v)
		}
		f.State = store.States()[i]
	}
	for _, t := range []struct {
		flag string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := cmd.String(t.flag); v != "" {
			parsed, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, fmt.Errorf("--%s %q: use an RFC 3339 time such as 2026-01-15T09:00:00Z", t.flag, v)
			}
			*t.dst = parsed
		}
	}
	switch format := cmd.String("format"); format {
	case "table", "csv", "json":
	default:
		return f, fmt.Errorf("--format %q: use table, csv or json", format)
	}
	return f, nil
}

var statusColumns = []string{"UserId", "State", "MigrationType", "TotalMeeting", "SucceededMeeting", "FailedMeeting", "SkippedMeeting", "InvitesUpdate", "RetryCount", "LastMessage", "CreateDate", "ModifiedDate", "CorrelationId", "BatchId"}

func statusRow(u store.User) []string {
	return []string{u.UserID, u.State, u.MigrationType, strconv.Itoa(u.TotalMeeting), strconv.Itoa(u.SucceededMeeting), strconv.Itoa(u.FailedMeeting),
		strconv.Itoa(u.SkippedMeeting), strconv.Itoa(u.InvitesUpdate), strconv.Itoa(u.RetryCount), u.LastMessage,
		u.CreatedAt.Format(time.RFC3339), u.ModifiedAt.Format(time.RFC3339), u.CorrelationID, u.BatchID}
}

// statusJSON is one user as `--format json` writes it: the columns of
// statusColumns, counts as numbers.
type statusJSON struct {
	UserID           string `json:"UserId"`
	State            string `json:"State"`
	MigrationType    string `json:"MigrationType"`
	TotalMeeting     int    `json:"TotalMeeting"`
	SucceededMeeting int    `json:"SucceededMeeting"`
	FailedMeeting    int    `json:"FailedMeeting"`
	SkippedMeeting   int    `json:"SkippedMeeting"`
	InvitesUpdate    int    `json:"InvitesUpdate"`
	RetryCount       int    `json:"RetryCount"`
	LastMessage      string `json:"LastMessage"`
	CreateDate       string `json:"CreateDate"`
	ModifiedDate     string `json:"ModifiedDate"`
	CorrelationID    string `json:"CorrelationId"`
	BatchID          string `json:"BatchId"`
}

// openStore opens the state store; one that cannot be opened is
// batch.ErrUnavailable (exit 4).
func openStore(ctx context.Context, dsn string) (*store.Store, error) {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", batch.ErrUnavailable, err)
	}
	return st, nil
}

// storeExists refuses to read a SQLite state store that is not there:
// opening it would create an empty one.
func storeExists(dsn string) error {
	if dsn == "" {
		dsn = store.DefaultDSN
	}
	if store.IsPostgres(dsn) {
		return nil
	}
	if _, err := os.Stat(dsn); err != nil {
		return fmt.Errorf("state store %s: %w; mms run (or mms start) creates it, or give --db the one they used", dsn, err)
	}
	return nil
}

func printUsers(out io.Writer, users []store.User, format string) error {
	switch format {
	case "json":
		rows := make([]statusJSON, len(users))
		for i, u := range users {
			rows[i] = statusJSON{u.UserID, u.State, u.MigrationType, u.TotalMeeting, u.SucceededMeeting, u.FailedMeeting, u.SkippedMeeting,
				u.InvitesUpdate, u.RetryCount, u.LastMessage, u.CreatedAt.Format(time.RFC3339), u.ModifiedAt.Format(time.RFC3339), u.CorrelationID, u.BatchID}
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		w := csv.NewWriter(out)
		w.Write(statusColumns)
		for _, u := range users {
			w.Write(statusRow(u))
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	batches := map[string]bool{}
	for _, u := range users {
		batches[u.BatchID] = true
	}
	batchCol := func(u store.User) string { return "" }
	if len(batches) > 1 { // --all: say which batch each row is of
		fmt.Fprint(tw, "Batch\t")
		batchCol = func(u store.User) string { return u.BatchID + "\t" }
	}
	fmt.Fprintln(tw, "UserId\tState\tTotal\tSucceeded\tFailed\tSkipped\tInvites\tRetries\tModified\tLastMessage")
	for _, u := range users {
		fmt.Fprintf(tw, "%s%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", batchCol(u), u.UserID, u.State, u.TotalMeeting, u.SucceededMeeting, u.FailedMeeting,
			u.SkippedMeeting, u.InvitesUpdate, u.RetryCount, u.ModifiedAt.Format(time.RFC3339), clip(u.LastMessage, 80))
	}
	return tw.Flush()
}

func printSummary(out io.Writer, users []store.User, format string) error {
	states := store.States()
	counts := map[string]int{}
	for _, s := range states {
		counts[s] = 0
	}
	for _, u := range users {
		counts[u.State]++
	}
	switch format {
	case "json":
		return json.NewEncoder(out).Encode(counts)
	case "csv":
		fmt.Fprintln(out, "State,Count")
		for _, s := range states {
			fmt.Fprintf(out, "%s,%d\n", s, counts[s])
		}
		return nil
	}
	for _, s := range states {
		fmt.Fprintf(out, "%-13s %d\n", s, counts[s])
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
