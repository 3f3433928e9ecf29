package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MinBatchPrefix is the shortest batch id prefix FindBatch accepts.
const MinBatchPrefix = 6

// LastBatch is the batch reference FindBatch reads as the latest batch.
const LastBatch = "last"

// BatchInfo is one batch as `mms batches` lists it: the batch, its users
// per state, and its meetings updated (or, dry run, that would be) and
// updates sent (or that would be).
type BatchInfo struct {
	Batch
	States  map[string]int
	Updated int
	Invites int
}

// Real reports whether a batch migrated meetings: not a dry run, not a
// rollback. `mms status` shows the latest real batch unless asked.
func (b Batch) Real() bool { return !b.DryRun && b.Kind != BatchRollback }

// KindName is a batch's kind as its report and mms batches say it: run,
// start (one user), rollback, dry run or start (dry run).
func (b Batch) KindName() string {
	switch {
	case b.Kind == BatchRollback:
		return "rollback"
	case b.DryRun && b.Kind == BatchStart:
		return "start (dry run)"
	case b.DryRun:
		return "dry run"
	case b.Kind == "":
		return BatchRun
	}
	return b.Kind
}

// Batches lists every batch, oldest first, with its counts.
func (s *Store) Batches(ctx context.Context) ([]BatchInfo, error) {
	r, err := s.eng.query(ctx, `SELECT `+batchColumns+` FROM mms_batch ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("reading batches: %w", err)
	}
	var out []BatchInfo
	index := map[string]int{}
	for r.Next() {
		b, err := scanBatch(r)
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("reading batches: %w", err)
		}
		index[b.ID] = len(out)
		out = append(out, BatchInfo{Batch: b, States: map[string]int{}})
	}
	r.Close()
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("reading batches: %w", err)
	}
	return out, s.countBatches(ctx, out, index)
}

// countBatches fills the counts of the batches, one grouped query for all.
func (s *Store) countBatches(ctx context.Context, out []BatchInfo, index map[string]int) error {
	r, err := s.eng.query(ctx, `SELECT batch_id, state, COUNT(*), COALESCE(SUM(succeeded_meeting), 0), COALESCE(SUM(invites_update), 0)
		FROM mms_user GROUP BY batch_id, state`)
	if err != nil {
		return fmt.Errorf("counting users per batch: %w", err)
	}
	defer r.Close()
	for r.Next() {
		var id, state string
		var n, updated, invites int
		if err := r.Scan(&id, &state, &n, &updated, &invites); err != nil {
			return fmt.Errorf("counting users per batch: %w", err)
		}
		i, ok := index[id]
		if !ok {
			continue
		}
		out[i].States[state] = n
		out[i].Updated += updated
		out[i].Invites += invites
	}
	return r.Err()
}

func scanBatch(r rows) (Batch, error) {
	var b Batch
	var opts string
	err := r.Scan(&b.ID, &b.CreatedAt, &b.Now, &b.Stamp, &b.DryRun, &opts, &b.Kind, &b.Fingerprint, &b.Finished)
	b.Options = json.RawMessage(opts)
	return b, err
}

// FindBatch returns the batch ref names: its id, any unique prefix of at
// least MinBatchPrefix characters, or LastBatch for the latest batch of
// any kind.
func (s *Store) FindBatch(ctx context.Context, ref string) (Batch, error) {
	ref = strings.TrimSpace(ref)
	switch {
	case strings.EqualFold(ref, LastBatch):
		return s.LatestBatch(ctx)
	case len(ref) < MinBatchPrefix:
		return Batch{}, fmt.Errorf("batch %q: give at least %d characters of its id, or %s (mms batches lists them)", ref, MinBatchPrefix, LastBatch)
	case strings.ContainsAny(ref, `%_\`):
		return Batch{}, fmt.Errorf("batch %q: a batch id holds only letters, digits and dashes (mms batches lists them)", ref)
	}
	r, err := s.eng.query(ctx, `SELECT id FROM mms_batch WHERE id LIKE ? ORDER BY created_at DESC, id DESC LIMIT 3`, strings.ToLower(ref)+"%")
	if err != nil {
		return Batch{}, fmt.Errorf("batch %s: %w", ref, err)
	}
	var ids []string
	for r.Next() {
		var id string
		if err := r.Scan(&id); err != nil {
			r.Close()
			return Batch{}, fmt.Errorf("batch %s: %w", ref, err)
		}
		ids = append(ids, id)
	}
	r.Close()
	if err := r.Err(); err != nil {
		return Batch{}, fmt.Errorf("batch %s: %w", ref, err)
	}
	switch len(ids) {
	case 0:
		return Batch{}, fmt.Errorf("no batch %s in the state store %s; mms batches lists the batches", ref, s.dsn)
	case 1:
		return s.Batch(ctx, ids[0])
	}
	return Batch{}, fmt.Errorf("batch %s is ambiguous: it begins %s; give more of the id (mms batches lists them)", ref, strings.Join(ids[:2], " and "))
}

// LatestRealBatch returns the most recent batch that is neither a dry run
// nor a rollback; when there is none, the most recent batch of any kind
// and ok false.
func (s *Store) LatestRealBatch(ctx context.Context) (b Batch, ok bool, err error) {
	b, err = s.batchWhere(ctx, `dry_run = ? AND kind <> ?`, false, BatchRollback)
	if err == nil {
		return b, true, nil
	}
	if !errors.Is(err, errNoRows) {
		return b, false, fmt.Errorf("reading batches: %w", err)
	}
	b, err = s.LatestBatch(ctx)
	return b, false, err
}
