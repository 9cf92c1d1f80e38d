package migrations_test

import (
	"context"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/archipel-social/archipel/migrations"
	"github.com/archipel-social/archipel/testnet"
)

// notificationsVersion is the number of the migration that adds
// notifications, read from its file name (numbers change at merges).
func notificationsVersion(t *testing.T) int32 {
	names, _ := fs.Glob(os.DirFS("."), "*_notifications.sql")
	if len(names) != 1 {
		t.Fatalf("notifications migration: %v", names)
	}
	n, err := strconv.Atoi(strings.SplitN(names[0], "_", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	return int32(n)
}

// The notifications migration fills the new list with what was waiting:
// follow requests, join requests for the animators, invitations, and past
// mentions, replies, likes and follows.
func TestNotificationsBackfill(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testnet.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	v := notificationsVersion(t)
	if _, err := migrations.ApplyTo(ctx, pool, v-1); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
		insert into actors (id, uri, type, username, host, local, inbox) values
		  (1, 'http://h/users/alice', 'Person', 'alice', 'h', true, 'i'),
		  (2, 'http://h/users/bob', 'Person', 'bob', 'h', true, 'i'),
		  (3, 'http://r/users/zoe', 'Person', 'zoe', 'r', false, 'i'),
		  (4, 'http://h/groups/g', 'Group', 'g', 'h', true, 'i');
		insert into groups (actor_id, join_policy) values (4, 'approval');
		insert into memberships (group_id, member_id, role, state) values
		  (4, 1, 'owner', 'accepted'), (4, 3, 'member', 'pending'), (4, 2, 'member', 'invited');
		insert into follows (follower_id, followee_id, state) values (3, 1, 'pending'), (2, 1, 'accepted');
		insert into objects (id, uri, type, local, attributed_to, content) values
		  (10, 'http://h/users/alice/statuses/10', 'Note', true, 1, 'post'),
		  (11, 'http://r/notes/11', 'Note', false, 3, 'reply');
		update objects set in_reply_to = 'http://h/users/alice/statuses/10' where id = 11;
		insert into mentions (object_id, actor_id) values (11, 2);
		insert into likes (actor_id, object_id) values (3, 10), (1, 10);
	`); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.ApplyTo(ctx, pool, v); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `select recipient_id, type, from_id, coalesce(object_id, 0), coalesce(group_id, 0)
		from notifications order by recipient_id, type, from_id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var rec, from, obj, group int64
		var typ string
		if err := rows.Scan(&rec, &typ, &from, &obj, &group); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{strconv.FormatInt(rec, 10), typ, strconv.FormatInt(from, 10),
			strconv.FormatInt(obj, 10), strconv.FormatInt(group, 10)}, " "))
	}
	want := []string{
		"1 archipel.join_request 3 0 4",
		"1 favourite 3 10 0",
		"1 follow 2 0 0",
		"1 follow_request 3 0 0",
		"1 mention 3 11 0",
		"2 archipel.group_invitation 4 0 4",
		"2 mention 3 11 0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("backfilled:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
