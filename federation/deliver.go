package federation

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/store"
)

// DeliveryPolicy says how hard to try. The defaults retry for about two
// days with exponential backoff, like Mastodon.
type DeliveryPolicy struct {
	BaseDelay        time.Duration // first retry after about this long
	MaxDelay         time.Duration // retries are never further apart
	GiveUpAfter      time.Duration // then the delivery is dead
	UnreachableAfter int           // consecutive failures before a host is parked
	ProbeEvery       time.Duration // how often a parked host is tried
	Timeout          time.Duration // one POST
}

// DefaultDeliveryPolicy is the production policy.
var DefaultDeliveryPolicy = DeliveryPolicy{
	BaseDelay:        15 * time.Second,
	MaxDelay:         6 * time.Hour,
	GiveUpAfter:      48 * time.Hour,
	UnreachableAfter: 10,
	ProbeEvery:       10 * time.Minute,
	Timeout:          20 * time.Second,
}

// parkFor is how far a parked delivery's next attempt is pushed; a probe or
// a message from the host brings it back sooner.
const parkFor = 24 * time.Hour

// successRecordEvery is how stale a host's last_success_at may get.
const successRecordEvery = time.Minute

// Scheduler puts a delivery attempt in the queue.
type Scheduler interface {
	EnqueueDelivery(ctx context.Context, id int64, attempt int, at time.Time) error
}

// Backoff is the wait before retry number attempt (from 0): doubling from
// BaseDelay up to MaxDelay, with ±20% jitter so retries to a host that came
// back do not arrive all at once.
func (p DeliveryPolicy) Backoff(attempt int) time.Duration {
	d := p.MaxDelay
	if attempt < 30 {
		if b := p.BaseDelay << attempt; b > 0 && b < p.MaxDelay {
			d = b
		}
	}
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return d + jitter
}

// Deliver makes attempt number attempt of a delivery: sign, POST, record the
// outcome, and schedule the next attempt when it should be retried.
func (f *Federator) Deliver(ctx context.Context, id int64, attempt int, q Scheduler, p DeliveryPolicy) error {
	job, err := f.Store.DeliveryJob(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the activity was deleted with its deliveries
	} else if err != nil {
		return err
	}
	d := &job.Delivery
	if d.State != store.DeliveryPending || d.Attempts != attempt {
		return nil // a stale task: another attempt already ran
	}
	if job.LeaseUntil != nil && job.LeaseUntil.After(time.Now()) {
		return nil // a batch task holds it; the reconciler takes it if that one dies
	}
	host, err := f.HostState(ctx, d.Host)
	return f.attempt(ctx, job, attempt, host, err, q, p, nil)
}

// attempt is one attempt of a loaded delivery, given its host's state (or
// the error reading it). done, when not nil, collects a first attempt's
// success instead of recording it, for the batch's bulk update.
func (f *Federator) attempt(ctx context.Context, job *store.DeliveryJob, attempt int, host store.HostState, err error, q Scheduler, p DeliveryPolicy, done func(int64)) error {
	d := &job.Delivery
	now := time.Now()
	if errors.Is(err, ErrBlocked) {
		_, err := f.Store.FinishDelivery(ctx, d.ID, attempt, store.DeliveryFailed, now, err.Error())
		return err
	} else if err != nil {
		return err
	}
	if host.Unreachable {
		// Only the host's oldest delivery goes out, as a probe; the rest wait.
		oldest, err := f.Store.OldestPendingForHost(ctx, d.Host)
		if err != nil {
			return err
		}
		if oldest.ID != d.ID {
			return f.Store.ParkDelivery(ctx, d.ID, now.Add(parkFor))
		}
	}
	if !job.SignerLocal || job.PrivateKeyPEM == "" {
		return fmt.Errorf("delivery %d: actor %s has no private key here", d.ID, job.SignerURI)
	}
	signer, err := f.signers.get(signerKeys{job.KeyID, job.PrivateKeyPEM, job.Ed25519KeyID, job.Ed25519PrivatePEM})
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, p.Timeout)
	status, header, postErr := f.Post(pctx, d.Inbox, job.Raw, signer)
	cancel()
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: asynq puts the task back
	}

	switch {
	case postErr == nil && status >= 200 && status < 300:
		if done != nil {
			done(d.ID)
		} else if ok, err := f.Store.FinishDelivery(ctx, d.ID, attempt, store.DeliveryDone, now, ""); err != nil || !ok {
			return err
		}
		// The host's row is written only when there is something to reset, or
		// now and then to keep last_success_at roughly true: a write per
		// delivery would serialise every worker on that one row. A delivery
		// that had failed before writes it too: the snapshot read before the
		// POST may predate the host's parking by other workers.
		if attempt == 0 && host.Failures == 0 && !host.Unreachable && host.LastSuccessAt != nil && now.Sub(*host.LastSuccessAt) < successRecordEvery {
			return nil
		}
		wasUnreachable, err := f.Store.DeliverySuccess(ctx, d.Host)
		if err != nil {
			return err
		}
		if wasUnreachable {
			f.Log.Info("host reachable again, resuming its deliveries", "host", d.Host)
			return f.Store.ResumeHost(ctx, d.Host)
		}
		return nil
	case postErr == nil && status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		f.Log.Warn("delivery refused", "inbox", d.Inbox, "status", status, "activity", job.ActivityURI)
		_, err := f.Store.FinishDelivery(ctx, d.ID, attempt, store.DeliveryFailed, now, "HTTP "+strconv.Itoa(status))
		return err
	}

	reason := fmt.Sprintf("HTTP %d", status)
	if postErr != nil {
		reason = postErr.Error()
		if errors.Is(postErr, ErrForbiddenAddress) {
			// Refused by our own SSRF guard: retrying cannot help.
			_, err := f.Store.FinishDelivery(ctx, d.ID, attempt, store.DeliveryFailed, now, reason)
			return err
		}
	}
	if _, err := f.Store.DeliveryFailure(ctx, d.Host, p.UnreachableAfter); err != nil {
		return err
	}
	if now.Sub(d.CreatedAt) > p.GiveUpAfter {
		f.Log.Warn("delivery dead", "inbox", d.Inbox, "attempts", attempt+1, "err", reason)
		_, err := f.Store.FinishDelivery(ctx, d.ID, attempt, store.DeliveryDead, now, reason)
		return err
	}
	wait := p.Backoff(attempt)
	if ra := retryAfter(header, now); ra > wait {
		wait = min(ra, p.MaxDelay)
	}
	next := now.Add(wait)
	if ok, err := f.Store.FinishDelivery(ctx, d.ID, attempt, store.DeliveryPending, next, reason); err != nil || !ok {
		return err
	}
	f.Log.Debug("delivery will be retried", "inbox", d.Inbox, "attempt", attempt+1, "at", next, "err", reason)
	if err := q.EnqueueDelivery(ctx, d.ID, attempt+1, next); err != nil {
		f.Log.Warn("enqueue retry; the reconciler will", "delivery", d.ID, "err", err)
	}
	return nil
}

// retryAfter reads a Retry-After header (seconds or a date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}

// reconcileBatch bounds the work of one reconciler run.
const reconcileBatch = 1000

// unprocessedGrace is how long a received activity may wait for its
// processing task before the reconciler enqueues it again.
const unprocessedGrace = 30 * time.Second

// Reconcile puts back in the queue what PostgreSQL says is due and Redis may
// have lost: due deliveries (the task id makes a repeat a no-op), one probe
// per parked host, and received activities not yet processed.
func (f *Federator) Reconcile(ctx context.Context, q Scheduler, enqueueProcess func(context.Context, int64) error, p DeliveryPolicy) error {
	hosts, err := f.Store.UnreachableHostsToProbe(ctx, p.ProbeEvery)
	if err != nil {
		return err
	}
	for _, h := range hosts {
		if d, err := f.Store.OldestPendingForHost(ctx, h); err == nil {
			if err := f.Store.ParkDelivery(ctx, d.ID, time.Now()); err != nil {
				return err
			}
		}
	}
	due, err := f.Store.DueDeliveries(ctx, time.Now(), reconcileBatch)
	if err != nil {
		return err
	}
	for _, d := range due {
		if err := q.EnqueueDelivery(ctx, d.ID, d.Attempts, time.Now()); err != nil {
			return err
		}
	}
	ids, err := f.Store.UnprocessedActivities(ctx, unprocessedGrace, reconcileBatch)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := enqueueProcess(ctx, id); err != nil {
			return err
		}
	}
	return nil
}
