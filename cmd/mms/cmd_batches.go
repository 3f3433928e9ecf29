package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/store"
)

func batchesCommand(out io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "batches",
		Usage: "list every batch: id, kind, when, inputs, --now, users per state, meetings updated and updates sent",
		UsageText: "mms batches [--format table|csv|json] [--db DSN]\n\n" +
			"Kind is run, dry run, start or rollback, with (pilot) for a run --user; a dry run's counts are what it would\n" +
			"have updated and sent, marked (would). Only runs and starts migrate meetings (mms status shows the latest\n" +
			"of them). --batch, wherever it is taken, accepts the id, any unique prefix of 6+ characters, or last.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "table", Usage: formatUsage, Sources: cli.EnvVars("MMS_FORMAT")},
			dbFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			format := cmd.String("format")
			if format != "table" && format != "csv" && format != "json" {
				return fmt.Errorf("%w: --format %q: use table, csv or json", batch.ErrInput, format)
			}
			if err := batch.StoreExists(cmd.String("db")); err != nil {
				return err
			}
			st, err := batch.OpenStore(ctx, cmd.String("db"))
			if err != nil {
				return err
			}
			defer st.Close()
			list, err := st.Batches(ctx)
			if err != nil {
				return fmt.Errorf("%w: %w", batch.ErrUnavailable, err)
			}
			return printBatches(out, list, format)
		},
	}
}

// shortIDs are ids as the listing shows them: each its first 8
// characters (almost always enough: --batch takes any unique prefix of 6
// or more), or as many more as it takes to tell it from every other id
// listed (a prefix two batches share is refused by --batch as ambiguous).
func shortIDs(ids []string) []string {
	sorted := slices.Sorted(slices.Values(ids))
	need := map[string]int{}
	for i := 1; i < len(sorted); i++ {
		n := commonPrefix(sorted[i-1], sorted[i]) + 1
		need[sorted[i-1]] = max(need[sorted[i-1]], n)
		need[sorted[i]] = max(need[sorted[i]], n)
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id[:min(len(id), max(8, need[id]))]
	}
	return out
}

// shortIDsOf maps each id of the batches listed to its short id as mms
// batches shows it (shortIDs).
func shortIDsOf(list []store.BatchInfo) map[string]string {
	ids := make([]string, len(list))
	for i, b := range list {
		ids[i] = b.ID
	}
	short := make(map[string]string, len(ids))
	for i, s := range shortIDs(ids) {
		short[ids[i]] = s
	}
	return short
}

// typedID is id as mms batches shows it, for a hint to give --batch: what
// --batch takes back, though another batch shares its first 8 characters
// (its first 8 alone would be ambiguous); the whole id where the store cannot
// list its batches.
func typedID(ctx context.Context, st *store.Store, id string) string {
	list, err := st.Batches(ctx)
	if err != nil {
		return id
	}
	if short := shortIDsOf(list)[id]; short != "" {
		return short
	}
	return id
}

// commonPrefix is the length of the longest prefix a and b share.
func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// kindOf is a batch's kind as people say it.
func kindOf(b store.Batch) string { return b.KindName() }

// batchRow is one batch as `mms batches` shows it.
type batchRow struct {
	ID      string         `json:"BatchId"`
	Kind    string         `json:"Kind"`
	Created string         `json:"Created"`
	Inputs  []string       `json:"Inputs"`
	Now     string         `json:"Now"`
	Users   map[string]int `json:"Users"`
	Updated int            `json:"MeetingsUpdated"`
	Sent    int            `json:"UpdatesSent"`
	// A dry run writes and sends nothing: what it would have done.
	WouldUpdate int  `json:"WouldUpdate"`
	WouldSend   int  `json:"WouldSend"`
	Finished    bool `json:"Finished"`
}

func rowOf(b store.BatchInfo) batchRow {
	var set batch.Settings
	_ = json.Unmarshal(b.Options, &set) // an unreadable record lists no inputs
	row := batchRow{ID: b.ID, Kind: batchKind(b.Batch), Created: utcTime(b.CreatedAt), Inputs: set.Inputs(), Now: utcTime(b.Now),
		Users: b.States, Updated: b.Updated, Sent: b.Invites, Finished: b.Finished}
	if b.DryRun {
		row.Updated, row.Sent, row.WouldUpdate, row.WouldSend = 0, 0, b.Updated, b.Invites
	}
	return row
}

// batchKind is kindOf, a pilot (run --user) said as such: "run (pilot)".
func batchKind(b store.Batch) string {
	var set batch.Settings
	_ = json.Unmarshal(b.Options, &set)
	if len(set.Only) > 0 && b.Kind != store.BatchRollback {
		return kindOf(b) + " (pilot)"
	}
	return kindOf(b)
}

// wouldBe is a count of the table: a dry run's says it would be.
func wouldBe(done, would int) string {
	if would > 0 {
		return fmt.Sprintf("%d (would)", would)
	}
	return strconv.Itoa(done)
}

func utcTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// states is a batch's users per state, states with none left out:
// "Succeeded 3, Failed 1".
func states(counts map[string]int) string {
	var parts []string
	for _, s := range store.States() {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, counts[s]))
		}
	}
	if len(parts) == 0 {
		return "no users"
	}
	return strings.Join(parts, ", ")
}

func printBatches(out io.Writer, list []store.BatchInfo, format string) error {
	rows := make([]batchRow, len(list))
	for i, b := range list {
		rows[i] = rowOf(b)
	}
	switch format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		w := csv.NewWriter(out)
		w.Write([]string{"BatchId", "Kind", "Created", "Inputs", "Now", "Users", "MeetingsUpdated", "UpdatesSent", "WouldUpdate", "WouldSend", "Finished"})
		for _, r := range rows {
			w.Write(csvRow([]string{r.ID, r.Kind, r.Created, strings.Join(r.Inputs, "; "), r.Now, states(r.Users), strconv.Itoa(r.Updated),
				strconv.Itoa(r.Sent), strconv.Itoa(r.WouldUpdate), strconv.Itoa(r.WouldSend), strconv.FormatBool(r.Finished)}))
		}
		w.Flush()
		return w.Error()
	}
	if len(rows) == 0 {
		fmt.Fprintln(out, "no batch yet; start one with mms run")
		return nil
	}
	short := shortIDsOf(list)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Batch\tKind\tCreated\tNow\tUsers\tUpdated\tSent\tInputs")
	for _, r := range rows {
		kind := r.Kind
		if !r.Finished {
			kind += " (unfinished)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", short[r.ID], kind, r.Created, r.Now, states(r.Users),
			wouldBe(r.Updated, r.WouldUpdate), wouldBe(r.Sent, r.WouldSend), strings.Join(baseNames(r.Inputs), " "))
	}
	return tw.Flush()
}

// baseNames are the file names of paths, for the table (CSV and JSON keep
// the paths whole); a start's flags are kept, its calendar file by its name.
func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		name, value, _ := strings.Cut(p, " ")
		switch {
		case name == "calendar" && !strings.Contains(value, "://"):
			out[i] = name + " " + filepath.Base(value)
		case name == "batch" || name == "calendar" || name == "join_url" || name == "conference_id" || name == "target":
			out[i] = p
		default:
			out[i] = filepath.Base(p)
		}
	}
	return out
}
