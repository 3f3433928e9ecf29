package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/store"
)

func statusCommand(out, errOut io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show users' migration states, like Get-CsMeetingMigrationStatus",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "summary", Usage: "a count of users per state", Sources: cli.EnvVars("MMS_SUMMARY")},
			&cli.StringFlag{Name: "user", Usage: "only this user (primary address or alias)", Sources: cli.EnvVars("MMS_USER")},
			&cli.StringFlag{Name: "state", Usage: "only users in this state: Pending, InProgress, Failed, Succeeded, NotTriggered", Sources: cli.EnvVars("MMS_STATE")},
			&cli.StringFlag{Name: "since", Usage: "only users modified at or after this RFC 3339 time, or this date (UTC midnight)", Sources: cli.EnvVars("MMS_SINCE")},
			&cli.StringFlag{Name: "until", Usage: "only users modified before this RFC 3339 time, or this date (UTC midnight)", Sources: cli.EnvVars("MMS_UNTIL")},
			&cli.StringFlag{Name: "batch", Usage: "this batch: its id or a unique prefix of 6+ characters (default, and last: the latest batch that was neither a dry run nor a rollback)", Sources: cli.EnvVars("MMS_BATCH")},
			&cli.BoolFlag{Name: "all", Usage: "every batch, each row (and each --summary count) with its batch", Sources: cli.EnvVars("MMS_ALL")},
			&cli.StringFlag{Name: "format", Value: "table", Usage: formatUsage, Sources: cli.EnvVars("MMS_FORMAT")},
			dbFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			f, err := statusFilter(cmd)
			if err != nil {
				return err
			}
			if err := batch.StoreExists(cmd.String("db")); err != nil {
				return err
			}
			st, err := batch.OpenStore(ctx, cmd.String("db"))
			if err != nil {
				return err
			}
			defer st.Close()
			all := cmd.Bool("all") && f.BatchID == ""
			if !all {
				b, err := statusBatch(ctx, st, f.BatchID)
				if errors.Is(err, errNothingMigrated) { // an answer, not a failure: nothing to list
					fmt.Fprintln(errOut, "mms:", err)
					switch format := cmd.String("format"); {
					case cmd.Bool("summary"): // zero in every state, in the shape a script reads
						return printSummary(out, nil, format, nil, nil)
					case format == "json" || format == "csv":
						return printUsers(out, nil, format, nil)
					}
					return nil
				}
				if err != nil {
					return err
				}
				f.BatchID = b.ID
				fmt.Fprintf(errOut, "batch %s (%s, %s)\n", b.ID, batchKind(b), b.CreatedAt.UTC().Format(time.RFC3339))
				if err := sayRolledBack(ctx, errOut, st, b); err != nil {
					return err
				}
			}
			users, err := usersOf(ctx, st, f)
			if err != nil {
				return err
			}
			if len(users) == 0 && f.UserID != "" && f.State == "" && f.Since.IsZero() && f.Until.IsZero() {
				fmt.Fprintf(errOut, "mms: no user %s%s; %s\n", f.UserID, inBatch(f.BatchID), elsewhere(ctx, st, f))
			}
			var kinds, short map[string]string
			if all { // say which batch each row is of, as mms batches does (a dry run's counts are not a run's)
				list, err := st.Batches(ctx)
				if err != nil {
					return fmt.Errorf("%w: %w", batch.ErrUnavailable, err)
				}
				kinds, short = map[string]string{}, shortIDsOf(list)
				for _, b := range list {
					kinds[b.ID] = batchKind(b.Batch)
				}
			}
			if cmd.Bool("summary") {
				return printSummary(out, users, cmd.String("format"), kinds, short)
			}
			return printUsers(out, users, cmd.String("format"), short)
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
			parsed, err := input.ParseTime(v)
			if err != nil {
				return f, fmt.Errorf("--%s %q %w", t.flag, v, err)
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
	return []string{u.Shown(), u.State, u.MigrationType, strconv.Itoa(u.TotalMeeting), strconv.Itoa(u.SucceededMeeting), strconv.Itoa(u.FailedMeeting),
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

// sayRolledBack notes on errOut the rollbacks that restored users of the
// batch shown: its states are what it did, not what stands now.
func sayRolledBack(ctx context.Context, errOut io.Writer, st *store.Store, b store.Batch) error {
	if b.Kind == store.BatchRollback {
		return nil
	}
	restored, err := st.RestoredUsers(ctx, b.ID)
	if err != nil {
		return fmt.Errorf("%w: %w", batch.ErrUnavailable, err)
	}
	by := map[string]int{}
	for _, rb := range restored {
		by[rb.ID]++
	}
	for _, id := range slices.Sorted(maps.Keys(by)) {
		fmt.Fprintf(errOut, "rolled back for %s by rollback %s (mms status --batch %s shows it)\n", counted(by[id], "user"), id, typedID(ctx, st, id))
	}
	return nil
}

// usersOf is Users, with a --user that names no user of the batch read
// as an alias of one (as run --user reads it).
func usersOf(ctx context.Context, st *store.Store, f store.Filter) ([]store.User, error) {
	users, err := st.Users(ctx, f)
	if err != nil || len(users) > 0 || f.UserID == "" {
		return users, err
	}
	alias := strings.ToLower(f.UserID)
	f.UserID = ""
	var found []store.User
	err = st.EachUser(ctx, f, func(u store.User) error {
		var a struct {
			Aliases []string `json:"aliases"`
		}
		if json.Unmarshal(u.Payload, &a) == nil && slices.ContainsFunc(a.Aliases, func(x string) bool { return strings.ToLower(x) == alias }) {
			found = append(found, u)
		}
		return nil
	})
	return found, err
}

// elsewhere says where to look for a user a batch does not hold: the
// latest other real batch that does (a start of one user becomes the latest
// real batch), or that --user takes an address of the users file.
func elsewhere(ctx context.Context, st *store.Store, f store.Filter) string {
	if f.BatchID != "" {
		all := f
		all.BatchID = ""
		users, err := usersOf(ctx, st, all)
		var latest *store.User
		for i, u := range users {
			if b, berr := st.Batch(ctx, u.BatchID); err == nil && berr == nil && b.Real() && (latest == nil || u.CreatedAt.After(latest.CreatedAt)) {
				latest = &users[i]
			}
		}
		if latest != nil {
			return fmt.Sprintf("batch %s holds it: mms status --batch %s --user %s", latest.BatchID, typedID(ctx, st, latest.BatchID), f.UserID)
		}
	}
	return "--user takes an address of the users file"
}

func inBatch(id string) string {
	if id == "" {
		return " in any batch"
	}
	return " in batch " + id
}

// statusBatch is the batch ref names (an id or a prefix) or, for "" and
// last, the latest real batch: dry runs and rollbacks migrate nothing, and
// are shown only when named by id (a store holding no real batch shows
// none, last or not).
func statusBatch(ctx context.Context, st *store.Store, ref string) (store.Batch, error) {
	if ref != "" && !strings.EqualFold(strings.TrimSpace(ref), store.LastBatch) {
		b, err := st.FindBatch(ctx, ref)
		if err != nil {
			return b, fmt.Errorf("%w: --batch: %w", batch.ErrInput, err)
		}
		return b, nil
	}
	b, real, err := st.LatestRealBatch(ctx)
	switch {
	case err != nil:
		return b, err
	case !real:
		return b, fmt.Errorf("%w yet: the latest batch, %s, is a %s; mms status --batch %s shows it (mms batches lists them all)",
			errNothingMigrated, b.ID, kindOf(b), typedID(ctx, st, b.ID))
	}
	return b, nil
}

// errNothingMigrated: the state store holds dry runs and rollbacks only;
// status lists no user and exits 0, as there is nothing wrong.
var errNothingMigrated = errors.New("no batch has migrated meetings")

// printUsers lists users; short, with --all, gives each batch's id as
// the row shows it (shortIDsOf); nil: one batch.
func printUsers(out io.Writer, users []store.User, format string, short map[string]string) error {
	switch format {
	case "json":
		rows := make([]statusJSON, len(users))
		for i, u := range users {
			rows[i] = statusJSON{u.Shown(), u.State, u.MigrationType, u.TotalMeeting, u.SucceededMeeting, u.FailedMeeting, u.SkippedMeeting,
				u.InvitesUpdate, u.RetryCount, u.LastMessage, u.CreatedAt.Format(time.RFC3339), u.ModifiedAt.Format(time.RFC3339), u.CorrelationID, u.BatchID}
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		w := csv.NewWriter(out)
		w.Write(statusColumns)
		for _, u := range users {
			w.Write(csvRow(statusRow(u)))
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	batchCol, blank := func(u store.User) string { return "" }, ""
	if short != nil { // say which batch each row is of
		fmt.Fprint(tw, "Batch\t")
		batchCol, blank = func(u store.User) string { return short[u.BatchID] + "\t" }, "\t"
	}
	fmt.Fprintln(tw, "UserId\tState\tTotal\tSucceeded\tFailed\tSkipped\tInvites\tRetries\tModified\tLastMessage")
	for _, u := range users {
		lines := wrap(u.LastMessage, messageWidth)
		fmt.Fprintf(tw, "%s%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", batchCol(u), u.Shown(), u.State, u.TotalMeeting, u.SucceededMeeting, u.FailedMeeting,
			u.SkippedMeeting, u.InvitesUpdate, u.RetryCount, u.ModifiedAt.Format(time.RFC3339), lines[0])
		for _, l := range lines[1:] { // the message whole, in its column
			fmt.Fprintf(tw, "%s\t\t\t\t\t\t\t\t\t%s\n", blank, l)
		}
	}
	return tw.Flush()
}

// messageWidth is the width LastMessage is wrapped to in the table.
const messageWidth = 60

// wrap breaks s into lines of at most width characters at spaces (a
// longer word is cut); always one line at least.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		for len([]rune(word)) > width {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			r := []rune(word)
			lines, word = append(lines, string(r[:width])), string(r[width:])
		}
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) <= width:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	return append(lines, line)
}

// printSummary counts users per state: of one batch, or with --all per
// batch, never summed across batches (a dry run's users are not a run's).
// kinds and short, with --all, give each batch's kind and its id as the
// table shows it (shortIDsOf); nil: one batch.
func printSummary(out io.Writer, users []store.User, format string, kinds, short map[string]string) error {
	all := kinds != nil
	states := store.States()
	var order []string
	counts := map[string]map[string]int{}
	for _, u := range users {
		key := u.BatchID
		if !all {
			key = ""
		}
		if counts[key] == nil {
			order, counts[key] = append(order, key), map[string]int{}
			for _, s := range states {
				counts[key][s] = 0
			}
		}
		counts[key][u.State]++
	}
	if !all && len(order) == 0 {
		order, counts[""] = []string{""}, map[string]int{}
		for _, s := range states {
			counts[""][s] = 0
		}
	}
	switch format {
	case "json":
		if !all {
			return json.NewEncoder(out).Encode(counts[""])
		}
		return json.NewEncoder(out).Encode(counts)
	case "csv":
		if all {
			fmt.Fprint(out, "BatchId,Kind,")
		}
		fmt.Fprintln(out, "State,Count")
		for _, b := range order {
			for _, s := range states {
				if all {
					fmt.Fprintf(out, "%s,%s,", b, kinds[b])
				}
				fmt.Fprintf(out, "%s,%d\n", s, counts[b][s])
			}
		}
		return nil
	}
	if !all {
		for _, s := range states {
			fmt.Fprintf(out, "%-13s %d\n", s, counts[""][s])
		}
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Batch\tKind\t"+strings.Join(states, "\t"))
	for _, b := range order {
		fmt.Fprint(tw, short[b]+"\t"+kinds[b])
		for _, s := range states {
			fmt.Fprintf(tw, "\t%d", counts[b][s])
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
