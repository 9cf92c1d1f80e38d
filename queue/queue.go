// Package queue carries the node's background work on asynq (Redis):
// deliveries to peers, processing of received activities, and the periodic
// reconciler. Redis is only the timer: every task names a PostgreSQL row,
// and the reconciler enqueues again whatever Redis lost.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Task types.
const (
	TaskDeliver = "deliver"
	// TaskDeliverBatch makes the first attempt of many deliveries of one
	// activity (federation.DeliverBatch).
	TaskDeliverBatch = "deliver-batch"
	TaskProcess      = "process"
	TaskReconcile    = "reconcile"
	TaskMail         = "mail"
	TaskPush         = "push"
)

// Queue enqueues the node's tasks in its own queues (named after Prefix, so
// several nodes can share one Redis).
type Queue struct {
	Prefix string
	rdb    redis.UniversalClient
	client *asynq.Client
}

// New wraps a Redis client.
func New(rdb redis.UniversalClient, prefix string) *Queue {
	return &Queue{Prefix: prefix, rdb: rdb, client: asynq.NewClientFromRedisClient(rdb)}
}

func (q *Queue) name(kind string) string { return q.Prefix + ":" + kind }

// Names of the node's queues.
func (q *Queue) DeliverQueue() string { return q.name("deliver") }
func (q *Queue) InboxQueue() string   { return q.name("inbox") }
func (q *Queue) CronQueue() string    { return q.name("cron") }
func (q *Queue) MailQueue() string    { return q.name("mail") }
func (q *Queue) PushQueue() string    { return q.name("push") }

// Attempts are part of the task id so that the task of the next attempt is
// not refused as a duplicate of the one running now, while two enqueues of
// the same attempt (a retry and the reconciler) collapse into one.
func deliveryTaskID(id int64, attempt int) string {
	return "d" + strconv.FormatInt(id, 10) + "." + strconv.Itoa(attempt)
}

// EnqueueDelivery schedules attempt number attempt of a delivery at at.
func (q *Queue) EnqueueDelivery(ctx context.Context, id int64, attempt int, at time.Time) error {
	payload := []byte(strconv.FormatInt(id, 10) + " " + strconv.Itoa(attempt))
	task := asynq.NewTask(TaskDeliver, payload, asynq.MaxRetry(0))
	opts := []asynq.Option{asynq.Queue(q.DeliverQueue()), asynq.TaskID(deliveryTaskID(id, attempt)), asynq.ProcessAt(at)}
	_, err := q.client.EnqueueContext(ctx, task, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) && q.clearFinished(q.DeliverQueue(), deliveryTaskID(id, attempt)) {
		// The attempt's earlier task ended in error (archived): PostgreSQL
		// says it is still due, so it goes again rather than never.
		_, err = q.client.EnqueueContext(ctx, task, opts...)
	}
	return ignoreDuplicate(err)
}

// EnqueueDeliveryBatch schedules part number part of an activity's batch
// deliveries now. Several parts of one activity run on several workers at
// once and share its deliveries; a second enqueue of a part is a no-op.
func (q *Queue) EnqueueDeliveryBatch(ctx context.Context, activityID int64, part int) error {
	taskID := "b" + strconv.FormatInt(activityID, 10) + "." + strconv.Itoa(part)
	task := asynq.NewTask(TaskDeliverBatch, []byte(strconv.FormatInt(activityID, 10)), asynq.MaxRetry(0))
	_, err := q.client.EnqueueContext(ctx, task, asynq.Queue(q.DeliverQueue()), asynq.TaskID(taskID), asynq.Retention(time.Minute))
	return ignoreDuplicate(err)
}

// clearFinished deletes a task that holds its id without ever running
// again (archived or completed), and says whether it did.
func (q *Queue) clearFinished(queue, id string) bool {
	insp := asynq.NewInspectorFromRedisClient(q.rdb)
	info, err := insp.GetTaskInfo(queue, id)
	if err != nil || (info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted) {
		return false
	}
	return insp.DeleteTask(queue, id) == nil
}

// EnqueueMail schedules attempt number attempt of an outgoing mail at at;
// like deliveries, the attempt is part of the task id.
func (q *Queue) EnqueueMail(ctx context.Context, id int64, attempt int, at time.Time) error {
	return q.enqueueAttempt(ctx, TaskMail, q.MailQueue(), "m", id, attempt, at)
}

// EnqueuePush schedules attempt number attempt of a Web Push message at at.
func (q *Queue) EnqueuePush(ctx context.Context, id int64, attempt int, at time.Time) error {
	return q.enqueueAttempt(ctx, TaskPush, q.PushQueue(), "w", id, attempt, at)
}

// enqueueAttempt enqueues one attempt at a row of a durable outbox (mail,
// push), under a task id made of the row and the attempt.
func (q *Queue) enqueueAttempt(ctx context.Context, taskType, queue, idPrefix string, id int64, attempt int, at time.Time) error {
	payload := []byte(strconv.FormatInt(id, 10) + " " + strconv.Itoa(attempt))
	taskID := idPrefix + strconv.FormatInt(id, 10) + "." + strconv.Itoa(attempt)
	task := asynq.NewTask(taskType, payload, asynq.MaxRetry(0))
	opts := []asynq.Option{asynq.Queue(queue), asynq.TaskID(taskID), asynq.ProcessAt(at)}
	_, err := q.client.EnqueueContext(ctx, task, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) && q.clearFinished(queue, taskID) {
		_, err = q.client.EnqueueContext(ctx, task, opts...)
	}
	return ignoreDuplicate(err)
}

// EnqueueProcess schedules the processing of a received activity.
func (q *Queue) EnqueueProcess(ctx context.Context, activityID int64) error {
	id := "p" + strconv.FormatInt(activityID, 10)
	task := asynq.NewTask(TaskProcess, []byte(strconv.FormatInt(activityID, 10)))
	opts := []asynq.Option{asynq.Queue(q.InboxQueue()), asynq.TaskID(id), asynq.MaxRetry(8)}
	_, err := q.client.EnqueueContext(ctx, task, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) && q.clearFinished(q.InboxQueue(), id) {
		_, err = q.client.EnqueueContext(ctx, task, opts...)
	}
	return ignoreDuplicate(err)
}

func ignoreDuplicate(err error) error {
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	return err
}

// ParseDelivery reads the payload of a deliver or mail task: a row id and an attempt.
func ParseDelivery(payload []byte) (id int64, attempt int, err error) {
	_, err = fmt.Sscanf(string(payload), "%d %d", &id, &attempt)
	return id, attempt, err
}

// ParseProcess reads a process task's payload.
func ParseProcess(payload []byte) (int64, error) { return strconv.ParseInt(string(payload), 10, 64) }

// Handlers are the work the worker does.
type Handlers struct {
	Deliver func(ctx context.Context, id int64, attempt int) error
	// DeliverBatch makes the first attempts of an activity's deliveries.
	DeliverBatch func(ctx context.Context, activityID int64) error
	Process      func(ctx context.Context, activityID int64) error
	Reconcile    func(ctx context.Context) error
	// Mail sends attempt number attempt of an outgoing mail (nil: none).
	Mail func(ctx context.Context, id int64, attempt int) error
	// Push sends attempt number attempt of a Web Push message (nil: none).
	Push func(ctx context.Context, id int64, attempt int) error
}

// WorkerConfig sizes the worker.
type WorkerConfig struct {
	// Concurrency is the number of tasks run at once; deliveries wait on the
	// network, so it is sized to peers, not to cores.
	Concurrency int
	// ReconcileEvery is the reconciler's period.
	ReconcileEvery time.Duration
	Log            *slog.Logger
}

// Run processes the node's queues until ctx ends.
func (q *Queue) Run(ctx context.Context, h Handlers, cfg WorkerConfig) error {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	if cfg.ReconcileEvery <= 0 {
		cfg.ReconcileEvery = 30 * time.Second
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	srv := asynq.NewServerFromRedisClient(q.rdb, asynq.Config{
		Concurrency: cfg.Concurrency,
		// Inbound processing first: it is what users are waiting to see.
		Queues:                   map[string]int{q.InboxQueue(): 6, q.DeliverQueue(): 3, q.MailQueue(): 2, q.PushQueue(): 2, q.CronQueue(): 1},
		DelayedTaskCheckInterval: time.Second,
		TaskCheckInterval:        200 * time.Millisecond,
		ShutdownTimeout:          5 * time.Second,
		Logger:                   asynqLogger{log},
		LogLevel:                 asynq.WarnLevel,
		BaseContext:              func() context.Context { return context.WithoutCancel(ctx) },
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			log.Warn("task failed", "type", t.Type(), "payload", string(t.Payload()), "err", err)
		}),
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(TaskDeliver, func(ctx context.Context, t *asynq.Task) error {
		id, attempt, err := ParseDelivery(t.Payload())
		if err != nil {
			return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
		}
		return h.Deliver(ctx, id, attempt)
	})
	if h.DeliverBatch != nil {
		mux.HandleFunc(TaskDeliverBatch, func(ctx context.Context, t *asynq.Task) error {
			id, err := ParseProcess(t.Payload())
			if err != nil {
				return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
			}
			return h.DeliverBatch(ctx, id)
		})
	}
	mux.HandleFunc(TaskProcess, func(ctx context.Context, t *asynq.Task) error {
		id, err := ParseProcess(t.Payload())
		if err != nil {
			return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
		}
		return h.Process(ctx, id)
	})
	mux.HandleFunc(TaskReconcile, func(ctx context.Context, t *asynq.Task) error { return h.Reconcile(ctx) })
	for taskType, send := range map[string]func(context.Context, int64, int) error{TaskMail: h.Mail, TaskPush: h.Push} {
		if send == nil {
			continue
		}
		mux.HandleFunc(taskType, func(ctx context.Context, t *asynq.Task) error {
			id, attempt, err := ParseDelivery(t.Payload())
			if err != nil {
				return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
			}
			return send(ctx, id, attempt)
		})
	}
	if err := srv.Start(mux); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	// The reconciler also runs at start-up: what was pending before a crash
	// goes out again without waiting for the first tick.
	if err := h.Reconcile(ctx); err != nil {
		log.Warn("reconcile at start", "err", err)
	}
	// Several worker processes may each run a scheduler; Unique keeps one
	// reconcile task per period in the queue.
	sched := asynq.NewSchedulerFromRedisClient(q.rdb, &asynq.SchedulerOpts{Logger: asynqLogger{log}, LogLevel: asynq.WarnLevel})
	uniq := max(cfg.ReconcileEvery-100*time.Millisecond, time.Second)
	if _, err := sched.Register(fmt.Sprintf("@every %s", cfg.ReconcileEvery), asynq.NewTask(TaskReconcile, nil, asynq.MaxRetry(0)),
		asynq.Queue(q.CronQueue()), asynq.Unique(uniq)); err != nil {
		srv.Shutdown()
		return fmt.Errorf("queue: %w", err)
	}
	if err := sched.Start(); err != nil {
		srv.Shutdown()
		return fmt.Errorf("queue: %w", err)
	}
	<-ctx.Done()
	sched.Shutdown()
	srv.Shutdown()
	return nil
}

// Depth returns the number of tasks waiting in the node's queues, for metrics.
func (q *Queue) Depth() (map[string]int, error) {
	insp := asynq.NewInspectorFromRedisClient(q.rdb)
	out := map[string]int{}
	for _, name := range []string{q.DeliverQueue(), q.InboxQueue(), q.MailQueue(), q.PushQueue(), q.CronQueue()} {
		info, err := insp.GetQueueInfo(name)
		if err != nil {
			continue // a queue that never had a task does not exist yet
		}
		out[name] = info.Pending + info.Scheduled + info.Retry + info.Active
	}
	return out, nil
}

// asynqLogger sends asynq's logs to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) {
	msg := fmt.Sprint(args...)
	if strings.Contains(msg, "redis connection is shared") {
		// asynq reports, at every shutdown, that it leaves the node's shared
		// Redis client open: that is what the node wants.
		return
	}
	a.l.Error(msg)
}
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)) }
