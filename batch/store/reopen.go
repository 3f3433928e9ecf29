package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
)

// FinishedBatch returns the latest finished batch made with fingerprint,
// if any: the same command run again after it finished.
func (s *Store) FinishedBatch(ctx context.Context, fingerprint string) (Batch, bool, error) {
	if fingerprint == "" {
		return Batch{}, false, nil
	}
	b, err := s.batchWhere(ctx, `fingerprint = ? AND finished = ?`, fingerprint, true)
	if errors.Is(err, errNoRows) {
		return Batch{}, false, nil
	}
	if err != nil {
		return Batch{}, false, fmt.Errorf("looking for a finished batch: %w", err)
	}
	return b, true, nil
}

// Reopen makes a finished batch unfinished again and queues its Failed
// users once more, each with a fresh set of attempts; what they had
// written and sent is in the batch's journal, so it is not done twice. A
// user failed by a bad row of the input has no migration to retry and
// stays Failed. It returns how many users were queued.
func (s *Store) Reopen(ctx context.Context, batchID string) (int, error) {
	client, err := s.eng.newClient(s.riverConfig(WorkOptions{}.withDefaults(), nil, nil))
	if err != nil {
		return 0, err
	}
	n := 0
	err = inTx(ctx, s.eng, func(tx txn) error {
		r, err := tx.query(ctx, `SELECT user_id, payload, retry_count FROM mms_user WHERE batch_id = ? AND state = ?`, batchID, Failed)
		if err != nil {
			return err
		}
		var ids []string
		retried := map[string]int{}
		for r.Next() {
			var id, payload string
			var count int
			if err := r.Scan(&id, &payload, &count); err != nil {
				r.Close()
				return err
			}
			if p := strings.TrimSpace(payload); p != "" && p != "{}" {
				ids = append(ids, id)
				retried[id] = count + 1 // its attempts so far: the retries and the first
			}
		}
		r.Close()
		if err := r.Err(); err != nil {
			return err
		}
		var jobs []river.InsertManyParams
		for _, id := range ids {
			if _, err := tx.exec(ctx, `UPDATE mms_user SET state = ?, last_message = ?, modified_at = ? WHERE batch_id = ? AND user_id = ?`,
				Pending, "queued again: the same command was run after the batch finished", time.Now(), batchID, id); err != nil {
				return err
			}
			jobs = append(jobs, river.InsertManyParams{
				Args:       userArgs{BatchID: batchID, UserID: id, Retried: retried[id]},
				InsertOpts: &river.InsertOpts{MaxAttempts: MaxAttempts, Queue: QueueName(batchID)},
			})
		}
		if len(jobs) > 0 {
			if err := client.insertMany(ctx, tx, jobs); err != nil {
				return fmt.Errorf("queueing the failed users of batch %s again: %w", batchID, err)
			}
		}
		if _, err := tx.exec(ctx, `UPDATE mms_batch SET finished = ? WHERE id = ?`, false, batchID); err != nil {
			return err
		}
		n = len(jobs)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("batch %s: %w", batchID, err)
	}
	return n, nil
}
