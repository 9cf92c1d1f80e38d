package federation

import (
	"context"
	"sync"
	"time"

	"github.com/archipel-social/archipel/store"
)

// DeliverBatch makes the first attempt of an activity's deliveries, a
// leased chunk at a time, until none is left: one task signs for many
// inboxes, each host's state is read once per chunk, and the successes of a
// chunk are recorded in one statement. The rows stay the record: a chunk
// whose worker dies keeps its lease until it expires, and then the
// reconciler enqueues what is still pending one delivery at a time (what
// was posted but not yet recorded goes again; the receiving inbox ignores
// an activity id it has). Failures take the one-delivery path at once:
// retries are scheduled per delivery, as Deliver does.
func (f *Federator) DeliverBatch(ctx context.Context, activityID int64, q Scheduler, p DeliveryPolicy) error {
	// Lease for longer than one chunk can take: every POST of the chunk runs
	// at once and is bounded by p.Timeout.
	lease := 3*p.Timeout + 10*time.Second
	for ctx.Err() == nil {
		rows, err := f.Store.LeaseBatch(ctx, activityID, store.BatchSize, lease)
		if err != nil || len(rows) == 0 {
			return err
		}
		if err := f.deliverChunk(ctx, rows, q, p); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (f *Federator) deliverChunk(ctx context.Context, rows []store.Delivery, q Scheduler, p DeliveryPolicy) error {
	activities := map[int64]*store.BatchActivity{} // by signer
	hosts := map[string]hostResult{}
	for _, d := range rows {
		if _, ok := activities[d.SignerID]; !ok {
			a, err := f.Store.BatchActivity(ctx, d.ActivityID, d.SignerID)
			if err != nil {
				return err
			}
			activities[d.SignerID] = a
		}
		if _, ok := hosts[d.Host]; !ok {
			st, err := f.HostState(ctx, d.Host)
			hosts[d.Host] = hostResult{st, err}
		}
	}
	// Successes are recorded as they come, a bulk update every
	// batchFlushEvery, so that a worker that dies mid-chunk has sent again
	// only what it had not recorded yet.
	var (
		mu   sync.Mutex
		done []int64
		wg   sync.WaitGroup
	)
	collect := func(id int64) {
		mu.Lock()
		done = append(done, id)
		mu.Unlock()
	}
	// What was posted is recorded even when the worker is stopping.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*p.Timeout)
	defer cancel()
	flush := func() error {
		mu.Lock()
		ids := done
		done = nil
		mu.Unlock()
		_, err := f.Store.FinishBatch(wctx, ids)
		if err != nil {
			mu.Lock()
			done = append(done, ids...) // tried again at the next flush
			mu.Unlock()
		}
		return err
	}
	for _, d := range rows {
		a := activities[d.SignerID]
		job := &store.DeliveryJob{Delivery: d, ActivityURI: a.ActivityURI, Raw: a.Raw, SignerURI: a.SignerURI,
			SignerLocal: a.SignerLocal, KeyID: a.KeyID, PrivateKeyPEM: a.PrivateKeyPEM}
		h := hosts[d.Host]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.attempt(ctx, job, 0, h.state, h.err, q, p, collect); err != nil && ctx.Err() == nil {
				// The row keeps its lease; the reconciler takes it after.
				f.Log.Warn("batch delivery", "delivery", job.ID, "err", err)
			}
		}()
	}
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	tick := time.NewTicker(batchFlushEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := flush(); err != nil {
				f.Log.Warn("batch delivery: record successes", "err", err)
			}
		case <-all:
			return flush()
		}
	}
}

// batchFlushEvery is how often a chunk records its successes.
const batchFlushEvery = 100 * time.Millisecond

type hostResult struct {
	state store.HostState
	err   error
}
