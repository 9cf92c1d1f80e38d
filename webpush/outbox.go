package webpush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/mail"
	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/store"
)

// SettingVAPIDKey holds the node's VAPID private key, made once.
const SettingVAPIDKey = "vapid_private_key"

// LoadVAPID reads the node's VAPID key, making it the first time: the
// first process to store one wins, so every process signs with the same.
func LoadVAPID(ctx context.Context, st *store.Store, subject string) (VAPID, error) {
	raw, ok, err := st.Setting(ctx, SettingVAPIDKey)
	if err != nil {
		return VAPID{}, err
	}
	if !ok {
		fresh, err := NewVAPIDKey()
		if err != nil {
			return VAPID{}, err
		}
		if raw, err = st.SetSettingOnce(ctx, SettingVAPIDKey, fresh); err != nil {
			return VAPID{}, err
		}
	}
	key, err := ParseVAPIDKey(raw)
	if err != nil {
		return VAPID{}, fmt.Errorf("webpush: the stored VAPID key: %w", err)
	}
	return VAPID{Key: key, Subject: subject}, nil
}

// Enqueuer schedules a send attempt in the queue.
type Enqueuer interface {
	EnqueuePush(ctx context.Context, id int64, attempt int, at time.Time) error
}

// DefaultRetryPolicy retries for a day: a late alert is noise. (The
// policy type is the mail outbox's: both are durable outboxes of the same
// shape.)
var DefaultRetryPolicy = mail.RetryPolicy{BaseDelay: 30 * time.Second, MaxDelay: time.Hour, GiveUpAfter: 24 * time.Hour}

// Delivery settings.
const (
	// ttl is how long a push service keeps a message for an offline
	// device (Mastodon's: two days).
	ttl = 48 * time.Hour
	// reconcileGrace leaves a just-written message to its own task.
	reconcileGrace = 30 * time.Second
	// maxBody bounds the text of a push (apps show a line or two).
	maxBody = 140
)

// Outbox sends the push messages the store writes with each notification.
type Outbox struct {
	Store *store.Store
	VAPID VAPID
	// Client is the SSRF-safe outgoing client of federation.
	Client *http.Client
	Tasks  Enqueuer
	// Icon is the picture of every push (the node's, until accounts have
	// avatars of their own).
	Icon   string
	Policy mail.RetryPolicy
	Log    *slog.Logger
}

// payload is Mastodon's Web Push notification (what its service worker
// and apps read). Mastodon also sends the access token; Archipel keeps
// only token hashes, so apps fetch the notification with their own.
type payload struct {
	NotificationID   string `json:"notification_id"`
	NotificationType string `json:"notification_type"`
	PreferredLocale  string `json:"preferred_locale"`
	Icon             string `json:"icon"`
	Title            string `json:"title"`
	Body             string `json:"body"`
}

// titles are the push titles by type and language (%s: who acted).
var titles = map[string][2]string{
	store.NotifyMention:       {"%s vous a mentionné", "%s mentioned you"},
	store.NotifyStatus:        {"%s a publié", "%s just posted"},
	store.NotifyReblog:        {"%s a partagé votre message", "%s boosted your post"},
	store.NotifyFollow:        {"%s vous suit", "%s followed you"},
	store.NotifyFollowRequest: {"%s demande à vous suivre", "%s requested to follow you"},
	store.NotifyFavourite:     {"%s a aimé votre message", "%s favourited your post"},
	store.NotifyUpdate:        {"%s a modifié un message", "%s edited a post"},
}

func (o *Outbox) render(ctx context.Context, m *store.PushMessage) ([]byte, error) {
	n := m.Notification
	from, err := o.Store.ActorByID(ctx, n.From)
	if err != nil {
		return nil, err
	}
	lang := "fr"
	if acct, err := o.Store.AccountByID(ctx, m.Subscription.AccountID); err == nil && acct.Locale == "en" {
		lang = "en"
	}
	name := from.DisplayName
	if name == "" {
		name = from.Username
	}
	t, ok := titles[n.Type]
	if !ok {
		t = [2]string{"%s : nouvelle notification", "%s: new notification"}
	}
	title := t[0]
	if lang == "en" {
		title = t[1]
	}
	p := payload{NotificationID: strconv.FormatInt(n.ID, 10), NotificationType: n.Type, PreferredLocale: lang,
		Icon: o.Icon, Title: fmt.Sprintf(title, name)}
	if n.ObjectID != 0 {
		if obj, err := o.Store.ObjectByID(ctx, n.ObjectID); err == nil && obj.DeletedAt == nil {
			p.Body = shorten(markup.Text(obj.Content), maxBody)
		}
	}
	return json.Marshal(p)
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Send makes attempt number attempt of a push message: the worker's task,
// safe to run twice.
func (o *Outbox) Send(ctx context.Context, id int64, attempt int) error {
	m, err := o.Store.PushMessageByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // its subscription or notification is gone
	} else if err != nil {
		return err
	}
	if m.State != store.PushPending || m.Attempts != attempt {
		return nil
	}
	body, err := o.render(ctx, m)
	if err != nil {
		return o.retry(ctx, m, attempt, "render: "+err.Error())
	}
	sealed, err := Encrypt(body, m.Subscription.P256DH, m.Subscription.Auth)
	if err != nil {
		return o.Store.MarkPushDead(ctx, m.ID, err.Error())
	}
	vapid, err := o.VAPID.Authorization(m.Subscription.Endpoint, time.Now())
	if err != nil {
		return o.Store.MarkPushDead(ctx, m.ID, err.Error())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Subscription.Endpoint, bytes.NewReader(sealed))
	if err != nil {
		return o.Store.MarkPushDead(ctx, m.ID, "the endpoint is not a URL")
	}
	req.Header.Set("Authorization", vapid)
	req.Header.Set("Content-Encoding", "aes128gcm")
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("TTL", strconv.Itoa(int(ttl.Seconds())))
	req.Header.Set("Urgency", "normal")
	resp, err := o.Client.Do(req)
	if err != nil {
		return o.retry(ctx, m, attempt, err.Error())
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		o.log().Info("push sent", "push", m.ID, "type", m.Notification.Type)
		return o.Store.MarkPushSent(ctx, m.ID)
	case code == http.StatusNotFound || code == http.StatusGone:
		// The browser unsubscribed: so does the node (RFC 8030 section 7.3).
		o.log().Info("push endpoint gone; subscription removed", "push", m.ID, "status", code)
		return o.Store.DeletePushSubscriptionByID(ctx, m.Subscription.ID)
	case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500:
		return o.retry(ctx, m, attempt, "push service answered "+strconv.Itoa(code))
	default:
		o.log().Warn("push refused", "push", m.ID, "status", code)
		return o.Store.MarkPushDead(ctx, m.ID, "push service answered "+strconv.Itoa(code))
	}
}

func (o *Outbox) retry(ctx context.Context, m *store.PushMessage, attempt int, reason string) error {
	policy := o.policy()
	if time.Since(m.CreatedAt) > policy.GiveUpAfter {
		o.log().Warn("push given up", "push", m.ID, "err", reason)
		return o.Store.MarkPushDead(ctx, m.ID, reason)
	}
	next := time.Now().Add(policy.Delay(attempt))
	o.log().Info("push failed; will retry", "push", m.ID, "attempt", attempt, "next", next, "err", reason)
	if err := o.Store.MarkPushRetry(ctx, m.ID, next, reason); err != nil {
		return err
	}
	if o.Tasks != nil {
		if err := o.Tasks.EnqueuePush(ctx, m.ID, attempt+1, next); err != nil {
			o.log().Warn("enqueue push retry; the reconciler will retry", "push", m.ID, "err", err)
		}
	}
	return nil
}

func (o *Outbox) policy() mail.RetryPolicy {
	if o.Policy == (mail.RetryPolicy{}) {
		return DefaultRetryPolicy
	}
	return o.Policy
}

// Reconcile enqueues again every pending push whose attempt is due.
func (o *Outbox) Reconcile(ctx context.Context) error {
	if o.Tasks == nil {
		return nil
	}
	due, err := o.Store.DuePushMessages(ctx, time.Now().Add(-reconcileGrace), 500)
	if err != nil {
		return err
	}
	for _, d := range due {
		if err := o.Tasks.EnqueuePush(ctx, d.ID, d.Attempts, time.Now()); err != nil {
			return fmt.Errorf("reconcile push %d: %w", d.ID, err)
		}
	}
	return nil
}

func (o *Outbox) log() *slog.Logger {
	if o.Log == nil {
		return slog.Default()
	}
	return o.Log
}
