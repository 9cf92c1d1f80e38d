package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notification types. Mastodon's are shown by every Mastodon app; Archipel's
// own live under the "archipel." prefix, which the client API leaves out
// unless a client asks for them by name (apps show an unknown type as an
// error line or crash on it).
const (
	NotifyMention       = "mention"        // a post mentions the recipient, or answers one of their posts
	NotifyStatus        = "status"         // someone they follow with notify=true posted
	NotifyReblog        = "reblog"         // someone shared one of their posts
	NotifyFollow        = "follow"         // someone follows them
	NotifyFollowRequest = "follow_request" // someone asks to follow them
	NotifyFavourite     = "favourite"      // someone liked one of their posts
	NotifyUpdate        = "update"         // a post they shared was edited

	// ArchipelPrefix starts every type of Archipel's own.
	ArchipelPrefix = "archipel."

	NotifyGroupInvitation   = "archipel.group_invitation"   // a group invites the recipient
	NotifyJoinRequest       = "archipel.join_request"       // someone asks to join a group the recipient runs
	NotifyJoinApproved      = "archipel.join_approved"      // the recipient's request to join was accepted
	NotifyJoinRejected      = "archipel.join_rejected"      // the recipient's request to join was refused
	NotifyGroupRemoval      = "archipel.group_removal"      // the recipient was removed from a group
	NotifyGroupRole         = "archipel.group_role"         // the recipient's role in a group changed
	NotifyGroupDocument     = "archipel.group_document"     // a new document in one of the recipient's groups
	NotifyGroupOrphaned     = "archipel.group_orphaned"     // a group of this node has no owner left (to its admins)
	NotifyEventReminder     = "archipel.event_reminder"     // an event the recipient takes part in starts in 24 h or 1 h
	NotifyEventRequest      = "archipel.event_request"      // someone asks to take part in an event the recipient runs
	NotifyEventAccepted     = "archipel.event_accepted"     // the recipient takes part: approved, or off the waiting list
	NotifyEventCancelled    = "archipel.event_cancelled"    // an event the recipient takes part in is cancelled
	NotifyTaskAssigned      = "archipel.task_assigned"      // the recipient was given a task
	NotifyTaskStatus        = "archipel.task_status"        // a task the recipient has or created changed status
	NotifyPageConflict      = "archipel.page_conflict"      // the group took another edit of a page before the recipient's
	NotifyGroupWelcome      = "archipel.group_welcome"      // the welcome message of a group the recipient joined
	NotifyGroupAnnouncement = "archipel.group_announcement" // the animators of one of the recipient's groups announce something
)

// NotificationTypes lists every type, in the order the API documents them.
var NotificationTypes = []string{NotifyMention, NotifyStatus, NotifyReblog, NotifyFollow, NotifyFollowRequest,
	NotifyFavourite, NotifyUpdate, NotifyGroupInvitation, NotifyJoinRequest, NotifyJoinApproved, NotifyJoinRejected,
	NotifyGroupRemoval, NotifyGroupRole, NotifyGroupDocument, NotifyGroupOrphaned, NotifyEventReminder, NotifyEventRequest,
	NotifyEventAccepted, NotifyEventCancelled, NotifyTaskAssigned, NotifyTaskStatus, NotifyPageConflict, NotifyGroupWelcome,
	NotifyGroupAnnouncement}

// IsNotificationType tells whether t is a known type.
func IsNotificationType(t string) bool {
	for _, k := range NotificationTypes {
		if k == t {
			return true
		}
	}
	return false
}

// groupedTypes are grouped by Mastodon 4.3's /api/v2/notifications: the
// favourites or shares of one post, and follows, within the same hour.
var groupedTypes = map[string]bool{NotifyFavourite: true, NotifyReblog: true, NotifyFollow: true}

// repeatableTypes notify again when they happen again (a second edit, a
// second invitation after a refusal): the earlier notification is moved up
// as the newest, unread. The others notify once (a Like delivered twice).
var repeatableTypes = map[string]bool{NotifyUpdate: true, NotifyEventReminder: true, NotifyTaskStatus: true, NotifyPageConflict: true,
	NotifyGroupAnnouncement: true}

// Notification is one line of a person's notifications. From is who acted
// (a person, or the group itself); ObjectID the post or document concerned;
// GroupID the group concerned.
type Notification struct {
	ID        int64
	Recipient int64
	Type      string
	From      int64
	ObjectID  int64
	GroupID   int64
	GroupKey  string
	CreatedAt time.Time
}

func (n Notification) dedupKey() string {
	return fmt.Sprintf("%s:%d:%d:%d", n.Type, n.From, n.ObjectID, n.GroupID)
}

func (n Notification) groupKey(at time.Time) *string {
	if !groupedTypes[n.Type] {
		return nil
	}
	hour := at.Unix() / 3600
	k := fmt.Sprintf("%s-%d", n.Type, hour)
	if n.Type != NotifyFollow {
		k = fmt.Sprintf("%s-%d-%d", n.Type, n.ObjectID, hour)
	}
	return &k
}

var errBadNotification = errors.New("notification needs a type, a recipient and who acted")

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// Notify records a notification. Call it on the transaction that writes
// its cause (tx.Notify), so that both land or neither does. It does nothing
// for a recipient who is not one of this node's people or who acted
// themselves, and nothing for a repeat of the same event (Mastodon's
// dedup), except for repeatable types, which move up as new.
func (s *Store) Notify(ctx context.Context, n Notification) error {
	if n.Recipient == 0 {
		return nil
	}
	return s.NotifyEach(ctx, n, []int64{n.Recipient})
}

// NotifyEach records the same event for several recipients in one
// statement.
func (s *Store) NotifyEach(ctx context.Context, n Notification, recipients []int64) error {
	if len(recipients) == 0 {
		return nil
	}
	return s.notifyAll(ctx, n, `select unnest($1::bigint[])`, recipients)
}

// NotifyGroupMembers notifies every accepted member of n.GroupID (a new
// document in the group).
func (s *Store) NotifyGroupMembers(ctx context.Context, n Notification) error {
	return s.notifyAll(ctx, n, `select member_id from memberships where group_id = $1 and state = 'accepted'`, n.GroupID)
}

// NotifyGroupModerators notifies the owners and animators of n.GroupID (a
// request to join).
func (s *Store) NotifyGroupModerators(ctx context.Context, n Notification) error {
	return s.notifyAll(ctx, n, `select member_id from memberships where group_id = $1 and state = 'accepted'
		and role in ('owner', 'animator')`, n.GroupID)
}

// NotifySharers notifies those who share n.ObjectID (Mastodon's update: a
// post you boosted was edited).
func (s *Store) NotifySharers(ctx context.Context, n Notification) error {
	return s.notifyAll(ctx, n, `select attributed_to from objects where type = 'Announce' and deleted_at is null
		and url = (select uri from objects where id = $1)`, n.ObjectID)
}

// NotifyFollowers notifies the followers of n.From who asked to be told of
// each post (Mastodon's status).
func (s *Store) NotifyFollowers(ctx context.Context, n Notification) error {
	return s.notifyAll(ctx, n, `select follower_id from follows where followee_id = $1 and state = 'accepted' and notify`, n.From)
}

// notifyAll inserts n for each recipient id that recipients (SQL taking
// arg as $1) yields and that is one of this node's people.
func (s *Store) notifyAll(ctx context.Context, n Notification, recipients string, arg any) error {
	if !IsNotificationType(n.Type) || n.From == 0 {
		return errBadNotification
	}
	onConflict := `do nothing`
	if repeatableTypes[n.Type] || strings.HasPrefix(n.Type, ArchipelPrefix) {
		onConflict = `do update set id = nextval(pg_get_serial_sequence('notifications', 'id')), created_at = now()`
	}
	if _, inTx := s.db.(pgx.Tx); !inTx {
		// The notification and its push messages land together.
		return s.Tx(ctx, func(tx *Store) error { return tx.notifyAll(ctx, n, recipients, arg) })
	}
	rows, err := s.db.Query(ctx, `insert into notifications (recipient_id, type, from_id, object_id, group_id, dedup_key, group_key)
		select distinct a.id, $2, $3::bigint, $4::bigint, $5::bigint, $6, $7 from (`+recipients+`) r(id) join actors a on a.id = r.id
		where a.local and a.type = 'Person' and a.id <> $3
		on conflict (recipient_id, dedup_key) `+onConflict+` returning id, recipient_id`,
		arg, n.Type, n.From, nullID(n.ObjectID), nullID(n.GroupID), n.dedupKey(), n.groupKey(time.Now()))
	if err != nil {
		return err
	}
	type created struct{ id, recipient int64 }
	var list []created
	var c created
	if _, err = pgx.ForEachRow(rows, []any{&c.id, &c.recipient}, func() error {
		list = append(list, c)
		return nil
	}); err != nil {
		return err
	}
	ids := make([]int64, 0, len(list))
	for _, c := range list {
		s.changed(ctx, Change{Kind: ChangeNotification, NotificationID: c.id, Recipient: c.recipient})
		ids = append(ids, c.id)
	}
	return s.queuePushes(ctx, ids)
}

// Unnotify takes back the notifications of an event that was undone (an
// unlike, an unfollow, an answered request). Type is required; a zero
// Recipient, From, ObjectID or GroupID matches any, but one must be set.
func (s *Store) Unnotify(ctx context.Context, n Notification) error {
	if n.Type == "" || n.Recipient == 0 && n.From == 0 && n.ObjectID == 0 && n.GroupID == 0 {
		return errBadNotification
	}
	_, err := s.db.Exec(ctx, `delete from notifications where type = $1 and ($2 = 0 or from_id = $2)
		and ($3 = 0 or recipient_id = $3) and ($4 = 0 or object_id = $4) and ($5 = 0 or group_id = $5)`,
		n.Type, n.From, n.Recipient, n.ObjectID, n.GroupID)
	return err
}

// NotificationFilter selects notifications for a list.
type NotificationFilter struct {
	Types        []string // only these (empty: every type but Archipel's own)
	ExcludeTypes []string
	From         int64 // only those caused by this actor
}

func (f NotificationFilter) where(first int) (string, []any) {
	cond := []string{}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", first+len(args)-1)
	}
	if len(f.Types) > 0 {
		cond = append(cond, "n.type = any("+arg(f.Types)+")")
	} else {
		cond = append(cond, "n.type not like 'archipel.%'")
	}
	if len(f.ExcludeTypes) > 0 {
		cond = append(cond, "n.type <> all("+arg(f.ExcludeTypes)+")")
	}
	if f.From != 0 {
		cond = append(cond, "n.from_id = "+arg(f.From))
	}
	return strings.Join(cond, " and "), args
}

// notificationHiddenSQL leaves out, for the recipient $1, the
// notifications of those its blocks, domain blocks and notification mutes
// hide.
var notificationHiddenSQL = hiddenSQL("$1::bigint", "n.from_id", HideInNotifications)

const notificationColumns = `n.id, n.recipient_id, n.type, n.from_id, coalesce(n.object_id, 0), coalesce(n.group_id, 0),
	coalesce(n.group_key, 'ungrouped-' || n.id), n.created_at`

func scanNotification(row pgx.CollectableRow) (Notification, error) {
	var n Notification
	err := row.Scan(&n.ID, &n.Recipient, &n.Type, &n.From, &n.ObjectID, &n.GroupID, &n.GroupKey, &n.CreatedAt)
	return n, err
}

// Notifications lists a recipient's notifications, newest first, paged on
// their ids (Mastodon's max_id, since_id, min_id).
func (s *Store) Notifications(ctx context.Context, recipient int64, f NotificationFilter, p Page) ([]Notification, error) {
	p = p.normalised()
	where, args := f.where(5)
	rows, err := s.db.Query(ctx, `select `+notificationColumns+` from notifications n
		where n.recipient_id = $1 and n.id < $2 and n.id > $3 and `+where+` and not `+notificationHiddenSQL+`
		order by n.id `+p.order()+` limit $4`, append([]any{recipient, p.MaxID, p.lower(), p.Limit}, args...)...)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, scanNotification)
	return inOrder(p, list), err
}

// NotificationByID loads one of a recipient's notifications.
func (s *Store) NotificationByID(ctx context.Context, recipient, id int64) (Notification, error) {
	rows, err := s.db.Query(ctx, `select `+notificationColumns+` from notifications n where n.id = $1 and n.recipient_id = $2`, id, recipient)
	if err != nil {
		return Notification{}, err
	}
	n, err := pgx.CollectExactlyOneRow(rows, scanNotification)
	return n, notFoundOr(err)
}

// DismissNotification deletes one of a recipient's notifications.
func (s *Store) DismissNotification(ctx context.Context, recipient, id int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `delete from notifications where id = $1 and recipient_id = $2`, id, recipient)
	return tag.RowsAffected() > 0, err
}

// DismissNotificationGroup deletes a recipient's notifications of one
// Mastodon 4.3 group key ("ungrouped-ID" for a single one).
func (s *Store) DismissNotificationGroup(ctx context.Context, recipient int64, groupKey string) error {
	_, err := s.db.Exec(ctx, `delete from notifications where recipient_id = $1
		and coalesce(group_key, 'ungrouped-' || id) = $2`, recipient, groupKey)
	return err
}

// ClearNotifications deletes all of a recipient's notifications.
func (s *Store) ClearNotifications(ctx context.Context, recipient int64) error {
	_, err := s.db.Exec(ctx, `delete from notifications where recipient_id = $1`, recipient)
	return err
}

// CountUnreadNotifications counts, up to limit, the notifications newer
// than the recipient's notifications marker.
func (s *Store) CountUnreadNotifications(ctx context.Context, recipient int64, f NotificationFilter, limit int) (int64, error) {
	where, args := f.where(3)
	var n int64
	err := s.db.QueryRow(ctx, `select count(*) from (select 1 from notifications n
		where n.recipient_id = $1 and n.id > coalesce((select last_read_id from markers
		  where actor_id = $1 and timeline = 'notifications'), 0) and `+where+` and not `+notificationHiddenSQL+` limit $2) unread`,
		append([]any{recipient, limit}, args...)...).Scan(&n)
	return n, err
}

// NotificationGroup is a Mastodon 4.3 notification group: the notifications
// of one group key within a page.
type NotificationGroup struct {
	Key      string
	Type     string
	Count    int64
	MaxID    int64
	MinID    int64
	LatestAt time.Time
	// SampleFrom are the latest distinct actors, at most 8.
	SampleFrom []int64
	ObjectID   int64
	GroupID    int64
}

// groupWindow bounds how many notifications one page of groups looks at, so
// a page costs the same however many notifications a person has.
const groupWindow = 400

// NotificationGroups lists a recipient's notifications grouped by key, the
// group with the newest notification first, paged on notification ids.
func (s *Store) NotificationGroups(ctx context.Context, recipient int64, f NotificationFilter, grouped map[string]bool, p Page) ([]NotificationGroup, error) {
	p = p.normalised()
	window := p
	window.Limit = min(groupWindow, p.Limit*10)
	list, err := s.Notifications(ctx, recipient, f, window)
	if err != nil {
		return nil, err
	}
	var out []NotificationGroup
	index := map[string]int{}
	for _, n := range list {
		key := n.GroupKey
		if !grouped[n.Type] || strings.HasPrefix(key, "ungrouped-") {
			key = fmt.Sprintf("ungrouped-%d", n.ID)
		}
		i, ok := index[key]
		if !ok {
			if len(out) == p.Limit {
				break
			}
			index[key] = len(out)
			out = append(out, NotificationGroup{Key: key, Type: n.Type, MaxID: n.ID, LatestAt: n.CreatedAt,
				ObjectID: n.ObjectID, GroupID: n.GroupID})
			i = len(out) - 1
		}
		g := &out[i]
		g.Count++
		g.MaxID = max(g.MaxID, n.ID)
		if g.MinID == 0 || n.ID < g.MinID {
			g.MinID = n.ID
		}
		if len(g.SampleFrom) < 8 && !containsID(g.SampleFrom, n.From) {
			g.SampleFrom = append(g.SampleFrom, n.From)
		}
	}
	return out, nil
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
