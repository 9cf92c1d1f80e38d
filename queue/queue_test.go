package queue

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/archipel-social/archipel/store"
)

// A delivery's task that ended in error is archived under the attempt's
// id; the reconciler's next enqueue of that attempt must replace it, or the
// delivery would wait forever.
func TestEnqueueReplacesAnArchivedTask(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Skip("no Redis:", err)
	}
	q := New(rdb, "test"+store.NewID())
	insp := asynq.NewInspectorFromRedisClient(rdb)
	t.Cleanup(func() {
		for _, name := range []string{q.DeliverQueue(), q.InboxQueue()} {
			_ = insp.DeleteQueue(name, true)
		}
	})

	if err := q.EnqueueDelivery(ctx, 7, 2, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// A second enqueue of the same attempt is a no-op while it waits.
	if err := q.EnqueueDelivery(ctx, 7, 2, time.Now()); err != nil {
		t.Fatal(err)
	}
	if info, err := insp.GetTaskInfo(q.DeliverQueue(), deliveryTaskID(7, 2)); err != nil || info.State != asynq.TaskStateScheduled {
		t.Fatalf("waiting task: %+v %v", info, err)
	}
	if err := insp.ArchiveTask(q.DeliverQueue(), deliveryTaskID(7, 2)); err != nil {
		t.Fatal(err)
	}
	if err := q.EnqueueDelivery(ctx, 7, 2, time.Now()); err != nil {
		t.Fatal(err)
	}
	if info, err := insp.GetTaskInfo(q.DeliverQueue(), deliveryTaskID(7, 2)); err != nil || info.State != asynq.TaskStatePending {
		t.Errorf("after an enqueue over the archived task: %+v %v", info, err)
	}

	if err := q.EnqueueProcess(ctx, 9); err != nil {
		t.Fatal(err)
	}
	if err := insp.ArchiveTask(q.InboxQueue(), "p9"); err != nil {
		t.Fatal(err)
	}
	if err := q.EnqueueProcess(ctx, 9); err != nil {
		t.Fatal(err)
	}
	if info, err := insp.GetTaskInfo(q.InboxQueue(), "p9"); err != nil || info.State != asynq.TaskStatePending {
		t.Errorf("processing task after an enqueue over the archived one: %+v %v", info, err)
	}
}
