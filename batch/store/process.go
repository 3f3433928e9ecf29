package store

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
)

// A working process registers a row in mms_process under its River client
// id and keeps it fresh; River writes that id into every job the process
// takes (attempted_by). A job left running by a process that is gone is
// made available again at once, instead of after River's RescueAfter:
//
//   - on the same host, the process is gone when its pid no longer runs the
//     same program start (Linux: the start time in /proc/PID/stat), which
//     is known the moment it is killed;
//   - on another host, when its heartbeat is older than WorkOptions.Lease.
//
// Hosts are told apart by host name, so each machine needs its own.

// process is one Work's registration.
type process struct {
	id, host, token string
	pid             int
}

func newProcess() process {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return process{id: fmt.Sprintf("%s/%d/%s", host, pid, uuid.NewString()[:8]), host: host, pid: pid, token: procToken(pid)}
}

func (s *Store) register(ctx context.Context, p process) error {
	now := time.Now()
	_, err := s.eng.exec(ctx, `INSERT INTO mms_process (id, host, pid, token, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)`,
		p.id, p.host, p.pid, p.token, now, now)
	if err != nil {
		return fmt.Errorf("registering worker process %s: %w", p.id, err)
	}
	return nil
}

func (s *Store) heartbeat(ctx context.Context, p process) error {
	_, err := s.eng.exec(ctx, `UPDATE mms_process SET heartbeat_at = ? WHERE id = ?`, time.Now(), p.id)
	return err
}

func (s *Store) unregister(ctx context.Context, p process) {
	_, _ = s.eng.exec(ctx, `DELETE FROM mms_process WHERE id = ?`, p.id)
}

// processRow is a registered process as another process sees it.
type processRow struct {
	host, token string
	pid         int
	heartbeat   time.Time
}

// alive reports whether the process that registered row still runs.
func (r processRow) alive(self process, lease time.Duration) bool {
	if r.host == self.host {
		if running, known := sameProcess(r.pid, r.token); known {
			return running
		}
	}
	return time.Since(r.heartbeat) < lease
}

// orphan is a running job and the process that took it.
type orphan struct {
	id, attempt int64
	owner       string
}

// rescueOrphans makes the running jobs of the queues whose process is gone
// available again, and returns how many. The update is guarded by the
// job's attempt, so a job another process took meanwhile is left alone.
func (s *Store) rescueOrphans(ctx context.Context, self process, queues []string, lease time.Duration) (int, error) {
	orphans, err := s.runningJobs(ctx, queues)
	if err != nil || len(orphans) == 0 {
		return 0, err
	}
	procs, err := s.processes(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range orphans {
		if p, ok := procs[o.owner]; ok && p.alive(self, lease) {
			continue
		}
		done, err := s.eng.exec(ctx, `UPDATE river_job SET state = 'available' WHERE id = ? AND state = 'running' AND attempt = ?`, o.id, o.attempt)
		if err != nil {
			return n, fmt.Errorf("taking back job %d of the gone process %s: %w", o.id, o.owner, err)
		}
		n += int(done)
	}
	if n > 0 {
		_, err = s.eng.exec(ctx, `DELETE FROM mms_process WHERE heartbeat_at < ?`, time.Now().Add(-24*time.Hour))
	}
	return n, err
}

func (s *Store) runningJobs(ctx context.Context, queues []string) ([]orphan, error) {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(queues)), ", ")
	args := make([]any, len(queues))
	for i, q := range queues {
		args[i] = q
	}
	r, err := s.eng.query(ctx, `SELECT id, attempt, COALESCE(`+s.eng.dialect().lastAttemptedBy+`, '') FROM river_job
		WHERE state = 'running' AND queue IN (`+marks+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading running jobs: %w", err)
	}
	defer r.Close()
	var out []orphan
	for r.Next() {
		var o orphan
		if err := r.Scan(&o.id, &o.attempt, &o.owner); err != nil {
			return nil, fmt.Errorf("reading running jobs: %w", err)
		}
		out = append(out, o)
	}
	return out, r.Err()
}

func (s *Store) processes(ctx context.Context) (map[string]processRow, error) {
	r, err := s.eng.query(ctx, `SELECT id, host, pid, token, heartbeat_at FROM mms_process`)
	if err != nil {
		return nil, fmt.Errorf("reading worker processes: %w", err)
	}
	defer r.Close()
	out := map[string]processRow{}
	for r.Next() {
		var id string
		var p processRow
		if err := r.Scan(&id, &p.host, &p.pid, &p.token, &p.heartbeat); err != nil {
			return nil, fmt.Errorf("reading worker processes: %w", err)
		}
		out[id] = p
	}
	return out, r.Err()
}
