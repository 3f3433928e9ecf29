package batch

import (
	"context"
	"fmt"
	"time"

	"github.com/mms-project/mms/batch/store"
)

// WorkOptions is one `mms work`: migrate the queued users of every batch
// (or of one) until none is left, on as many machines as share the store.
type WorkOptions struct {
	DB      string
	BatchID string // "" every batch with users left
	Tuning
}

// Work migrates queued users until the queue is empty, then finishes every
// batch with no user left (its report written, when it has one) and sums
// each up. Other processes may work the same batches at the same time.
func Work(ctx context.Context, o WorkOptions) ([]Summary, error) {
	o.Tuning = o.Tuning.withDefaults()
	if err := o.Tuning.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	st, err := OpenExistingStore(ctx, o.DB)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	tenant, err := st.Tenant(ctx)
	if err != nil {
		return nil, err
	}
	if !tenant.MeetingMigrationEnabled { // nothing migrates: the queued users wait
		return nil, fmt.Errorf("%w: meeting migration is disabled for the tenant, so the queued users wait; enable it with: mms tenant set meeting_migration_enabled true", ErrInput)
	}
	if o.BatchID != "" {
		b, err := st.FindBatch(ctx, o.BatchID) // a prefix or last
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		o.BatchID = b.ID
		if b.Kind == store.BatchRollback {
			return nil, fmt.Errorf("%w: batch %s is a rollback; run mms rollback --batch %s again to finish it", ErrInput, b.ID, settingsOf(b).RollbackOf)
		}
	}
	workStart := time.Now()
	if err := work(ctx, st, o.BatchID, o.Tuning); err != nil {
		return nil, err
	}
	batches, err := st.UnfinishedBatches(ctx)
	if err != nil {
		return nil, err
	}
	var out []Summary
	for _, b := range batches {
		if o.BatchID != "" && b.ID != o.BatchID || b.Kind == store.BatchRollback {
			continue
		}
		left, err := st.Left(ctx, b.ID)
		if err != nil || left > 0 {
			continue // another process's users still run; it finishes the batch
		}
		sum, err := finish(ctx, st, b, "", workStart, Summary{BatchID: b.ID, Started: b.CreatedAt}, o.Tuning)
		if err != nil {
			return out, err
		}
		out = append(out, sum)
	}
	return out, nil
}

func settingsOf(b store.Batch) Settings {
	set, _ := batchSettings(b)
	return set
}
