// Package node wires one Archipel node together: database, queue, services
// and HTTP handler, from a Config. The command line and the test network
// both build nodes through it.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/inbox"
	"github.com/archipel-social/archipel/keys"
	"github.com/archipel-social/archipel/mail"
	"github.com/archipel-social/archipel/media"
	"github.com/archipel-social/archipel/migrations"
	"github.com/archipel-social/archipel/notifymail"
	"github.com/archipel-social/archipel/oauth"
	"github.com/archipel-social/archipel/observatory"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/queue"
	"github.com/archipel-social/archipel/reminders"
	"github.com/archipel-social/archipel/sso"
	"github.com/archipel-social/archipel/storage"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/streaming"
	"github.com/archipel-social/archipel/web"
	"github.com/archipel-social/archipel/web/client"
	"github.com/archipel-social/archipel/web/ratelimit"
	"github.com/archipel-social/archipel/webpush"
)

// Options are the settings that are not configuration: tests make delivery
// retries fast, production keeps the defaults.
type Options struct {
	Delivery       federation.DeliveryPolicy
	ReconcileEvery time.Duration
	Concurrency    int
	// InboxPerHost and WritesPerAccount override the configured rate
	// limits, per second (0: the configuration's; negative: no limit, for
	// load tests).
	InboxPerHost     float64
	WritesPerAccount float64
	// Mail is the retry policy of outgoing mail (zero: the default).
	Mail mail.RetryPolicy
	// Push is the retry policy of Web Push messages (zero: the default).
	Push mail.RetryPolicy
}

// fileTimeout bounds one document transfer between nodes (1 GiB at about
// 10 Mbit/s).
const fileTimeout = 15 * time.Minute

// Node is one running node's parts.
type Node struct {
	Config   config.Config
	Options  Options
	Log      *slog.Logger
	Pool     *pgxpool.Pool
	Store    *store.Store
	Links    ap.Links
	Accounts *accounts.Service
	Mail     *mail.Outbox
	// NotifyMail mails notifications and digests to those who asked.
	NotifyMail *notifymail.Mailer
	// Reminders tells event participants before each sitting.
	Reminders *reminders.Reminders
	OAuth     *oauth.Service
	// SSO is the OpenID provider people sign in with (nil: none).
	SSO       *sso.Provider
	Outbox    *outbox.Outbox
	Federator *federation.Federator
	Processor *inbox.Processor
	Queue     *queue.Queue
	Redis     redis.UniversalClient
	// Push sends the Web Push messages of notifications.
	Push *webpush.Outbox
	// Streams carries committed changes between the node's processes, for
	// the streaming API.
	Streams *streaming.Bus
	Web     *web.Server
}

// Open connects to PostgreSQL and Redis, migrates the schema and makes sure
// the instance actor exists.
func Open(ctx context.Context, cfg config.Config, opts Options, log *slog.Logger) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	if opts.Delivery == (federation.DeliveryPolicy{}) {
		opts.Delivery = federation.DefaultDeliveryPolicy
	}
	allowPrivate, _ := cfg.PrivateAllowlist()
	if cfg.MetricsAllow == "" {
		cfg.MetricsAllow = config.DefaultMetricsAllow
	}
	metricsAllow, err := cfg.MetricsAllowlist()
	if err != nil {
		return nil, err
	}
	pool, err := store.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if _, err := migrations.Apply(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	queue.SetRedisLogger(log)
	rdb, err := ConnectRedis(ctx, cfg.RedisURL)
	if err != nil {
		pool.Close()
		return nil, err
	}
	n := &Node{Config: cfg, Options: opts, Log: log, Pool: pool, Store: store.New(pool), Links: ap.NewLinks(cfg.PublicURL), Redis: rdb}
	n.Queue = queue.New(rdb, cfg.QueuePrefix)
	n.Streams = streaming.NewBus(rdb, cfg.QueuePrefix, log)
	n.Store.SetChangeSink(n.Streams)
	userAgent := "Archipel/" + web.Version + " (+" + cfg.PublicURL + ")"
	blobs, err := storage.Open(ctx, cfg.StorageURL, cfg.DataDir, cfg.S3AccessKey, cfg.S3SecretKey)
	if err != nil {
		n.Close()
		return nil, err
	}
	schemes, err := cfg.SignatureSchemeList()
	if err != nil {
		n.Close()
		return nil, err
	}
	n.Federator = &federation.Federator{
		Store: n.Store, Links: n.Links, Log: log, Mode: cfg.FederationMode, AllowHTTP: cfg.Dev, Schemes: schemes,
		Client: federation.NewHTTPClient(federation.ClientConfig{AllowPrivate: allowPrivate, UserAgent: userAgent}),
		Files: federation.NewHTTPClient(federation.ClientConfig{AllowPrivate: allowPrivate, UserAgent: userAgent,
			MaxResponseBytes: -1, Timeout: fileTimeout}),
	}
	if n.Mail, err = newMail(cfg, opts, n, log); err != nil {
		n.Close()
		return nil, err
	}
	n.NotifyMail = &notifymail.Mailer{Store: n.Store, Mail: n.Mail, BaseURL: cfg.PublicURL, Log: log}
	n.Reminders = &reminders.Reminders{Store: n.Store, Mail: n.Mail, BaseURL: n.Links.Base, Unsubscribe: n.NotifyMail.UnsubscribeURL}
	n.Accounts = &accounts.Service{Store: n.Store, Links: n.Links, Mail: n.Mail, Registrations: cfg.Registrations,
		PasswordLoginOff: cfg.PasswordLoginOff}
	n.Outbox = &outbox.Outbox{Store: n.Store, Links: n.Links, Accounts: n.Accounts, Queue: n.Queue, Resolver: n.Federator, Log: log,
		Blobs: blobs, MaxUpload: cfg.MaxUploadBytes, Media: media.Limits{MaxBytes: cfg.MediaMaxBytes}, Mail: n.Mail}
	// A change of tier takes the person out of State-only groups and tells
	// peers, in the transaction that changes it.
	n.Accounts.TierEffects = n.Outbox
	n.OAuth = &oauth.Service{Store: n.Store, Accounts: n.Accounts}
	if cfg.OIDCIssuer != "" {
		n.SSO = sso.New(sso.Config{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCSecret,
			RedirectURL: cfg.PublicURL + "/login/sso/callback", TrustEmail: cfg.OIDCTrustEmail,
			HTTP: federation.NewHTTPClient(federation.ClientConfig{AllowPrivate: allowPrivate, UserAgent: userAgent})})
	}
	if err := n.openPush(ctx, cfg, opts, log); err != nil {
		n.Close()
		return nil, err
	}
	n.Processor = &inbox.Processor{Store: n.Store, Federator: n.Federator, Outbox: n.Outbox, Links: n.Links, Log: log}
	if err := n.ensureInstanceActor(ctx); err != nil {
		n.Close()
		return nil, err
	}
	if err := n.ensureEd25519Keys(ctx); err != nil {
		n.Close()
		return nil, err
	}
	if err := n.Outbox.EnsureAnimatorsNetwork(ctx); err != nil {
		n.Close()
		return nil, err
	}
	instance, err := instanceInfo(cfg.Instance)
	if err != nil {
		n.Close()
		return nil, err
	}
	limited := ratelimit.NewRefusedCounter()
	metrics := web.NewMetrics(newStateCollector(n), limited)
	inboxRate, apiRate := override(cfg.InboxRate, opts.InboxPerHost), override(cfg.APIRate, opts.WritesPerAccount)
	inboxLimit := ratelimit.New(rdb, cfg.QueuePrefix, ratelimit.InboxPerHost, inboxRate.PerSecond, inboxRate.Burst, limited, log)
	in := &inbox.Handler{Store: n.Store, Federator: n.Federator, Enqueue: n.Queue.EnqueueProcess, Log: log,
		Accepted: metrics.InboxAccepted.Inc, Duplicate: metrics.InboxDuplicates.Inc,
		Refused: func(reason string) { metrics.InboxRefused.WithLabelValues(reason).Inc() },
		// go-redis's own dial and read timeouts bound the check.
		Allow: func(host string) bool { return inboxLimit.Allow(context.Background(), host) }}
	n.Web = web.New(web.Deps{
		Store: n.Store, Links: n.Links, Accounts: n.Accounts, Outbox: n.Outbox, Federator: n.Federator, Log: log,
		Metrics: metrics, Inbox: in,
		PingQueue:         func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
		Viewer:            n.signedViewer,
		MetricsAllow:      metricsAllow,
		Pages:             n.pages(),
		OAuth:             n.OAuth,
		Streams:           n.Streams,
		Instance:          instance,
		PushKey:           n.Push.VAPID.PublicKey(),
		TrustedProxies:    trustedProxies(cfg),
		ObservatoryPublic: cfg.ObservatoryPublic,
		WriteLimiter:      ratelimit.New(rdb, cfg.QueuePrefix, ratelimit.APIWrites, apiRate.PerSecond, apiRate.Burst, limited, log),
	})
	return n, nil
}

// signedViewer identifies the actor behind a signed GET.
func (n *Node) signedViewer(r *http.Request) (*store.Actor, error) {
	v, err := n.Federator.VerifyRequest(r.Context(), r, nil, time.Now())
	if err != nil {
		return nil, err
	}
	return n.Store.ActorByURI(r.Context(), v.Owner)
}

// RunWorker processes the node's queues until ctx ends.
func (n *Node) RunWorker(ctx context.Context) error {
	return n.Queue.Run(ctx, queue.Handlers{
		Deliver: func(ctx context.Context, id int64, attempt int) error {
			return n.Federator.Deliver(ctx, id, attempt, n.Queue, n.Options.Delivery)
		},
		DeliverBatch: func(ctx context.Context, activityID int64) error {
			return n.Federator.DeliverBatch(ctx, activityID, n.Queue, n.Options.Delivery)
		},
		Process: n.Processor.Process,
		Reconcile: func(ctx context.Context) error {
			return errors.Join(n.Federator.Reconcile(ctx, n.Queue, n.Queue.EnqueueProcess, n.Options.Delivery),
				n.NotifyMail.Run(ctx), n.Mail.Reconcile(ctx), n.Push.Reconcile(ctx), n.forgetExpired(ctx),
				observatory.RefreshPeers(ctx, n.Store, n.Federator.Fetch, n.Links.Scheme()),
				n.Reminders.Send(ctx, time.Now()))
		},
		Mail: n.Mail.Send,
		Push: n.Push.Send,
	}, queue.WorkerConfig{Concurrency: n.Options.Concurrency, ReconcileEvery: n.Options.ReconcileEvery, Log: n.Log})
}

// forgetExpired deletes the OAuth codes and mailed links that expired a
// while ago (they are refused anyway; this keeps the tables small), and
// the pictures uploaded a day ago and never attached.
func (n *Node) forgetExpired(ctx context.Context) error {
	return errors.Join(n.Store.DeleteOldCodes(ctx, time.Now().Add(-time.Hour)),
		n.Store.DeleteOldAccountLinks(ctx, time.Now().Add(-7*24*time.Hour)),
		n.Outbox.CleanMedia(ctx, time.Now()))
}

// trustedProxies are the CIDRs whose X-Forwarded-For is believed.
func trustedProxies(cfg config.Config) []string {
	list, _ := cfg.TrustedProxyList()
	out := make([]string, 0, len(list))
	for _, p := range list {
		out = append(out, p.String())
	}
	return out
}

// newMail is the node's mail outbox: through ARCHIPEL_SMTP_URL, or into
// .eml files under <data-dir>/mail when there is no mail server.
func newMail(cfg config.Config, opts Options, n *Node, log *slog.Logger) (*mail.Outbox, error) {
	var sender mail.Sender = &mail.Dir{Path: filepath.Join(cfg.DataDir, "mail"), Log: log}
	if cfg.SMTPURL != "" {
		smtp, err := mail.NewSMTP(cfg.SMTPURL)
		if err != nil {
			return nil, err
		}
		sender = smtp
	}
	return &mail.Outbox{Store: n.Store, From: cfg.MailFrom, Node: n.Links.Host(), BaseURL: cfg.PublicURL,
		Tasks: n.Queue, Sender: sender, Policy: opts.Mail, Log: log}, nil
}

// ConnectRedis opens the Redis client of a process (queue, health check and
// rate limits share it) and checks it answers.
func ConnectRedis(ctx context.Context, url string) (redis.UniversalClient, error) {
	return queue.ConnectRedis(ctx, url)
}

// ensureInstanceActor creates the node's Application actor, which signs
// fetches made on behalf of the node itself.
func (n *Node) ensureInstanceActor(ctx context.Context) error {
	_, err := n.Store.ActorByURI(ctx, n.Links.InstanceActor())
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	a, err := n.Links.NewLocalActor(store.TypeApplication, "archipel", n.Links.Host())
	if err != nil {
		return err
	}
	a.ManuallyApprovesFollowers = true
	err = n.Store.CreateActor(ctx, a)
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		return nil // another process created it first
	}
	return err
}

// ensureEd25519Keys gives an Ed25519 key to the local actors made before
// actors had one (migration 016 cannot: PostgreSQL makes no Ed25519 keys).
// A key costs some 20 µs, so even a large node is done in a moment at its
// first start; processes starting together each skip what another wrote.
func (n *Node) ensureEd25519Keys(ctx context.Context) error {
	for {
		list, err := n.Store.LocalActorsWithoutEd25519(ctx, 500)
		if err != nil || len(list) == 0 {
			return err
		}
		for _, a := range list {
			priv, pub, err := keys.GenerateEd25519()
			if err != nil {
				return err
			}
			if err := n.Store.SetEd25519Key(ctx, a.ID, n.Links.Ed25519KeyID(a.URI), pub, priv); err != nil {
				return err
			}
		}
	}
}

// Close releases the connections.
func (n *Node) Close() {
	if n.Streams != nil {
		n.Streams.Close()
	}
	if n.Redis != nil {
		n.Redis.Close()
	}
	n.Pool.Close()
}

// override applies an Options rate to a configured one.
func override(r config.Rate, perSecond float64) config.Rate {
	switch {
	case perSecond > 0:
		r.PerSecond = perSecond
	case perSecond < 0:
		r.PerSecond = 0
	}
	return r
}

// instanceInfo reads how the node presents itself, its rules from
// ARCHIPEL_RULES_FILE (one a line, blank lines skipped).
func instanceInfo(c config.Instance) (client.InstanceInfo, error) {
	info := client.InstanceInfo{Title: c.Title, Description: c.Description, ContactEmail: c.ContactEmail}
	if c.RulesFile == "" {
		return info, nil
	}
	raw, err := os.ReadFile(c.RulesFile)
	if err != nil {
		return info, fmt.Errorf("rules file: %w", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			info.Rules = append(info.Rules, line)
		}
	}
	return info, nil
}

// openPush loads the node's VAPID key (made on first start) and sets up
// the Web Push outbox: each notification's push messages are written with
// it and enqueued after the commit.
func (n *Node) openPush(ctx context.Context, cfg config.Config, opts Options, log *slog.Logger) error {
	subject := cfg.PublicURL
	if cfg.ContactEmail != "" {
		subject = "mailto:" + cfg.ContactEmail
	}
	vapid, err := webpush.LoadVAPID(ctx, n.Store, subject)
	if err != nil {
		return err
	}
	n.Push = &webpush.Outbox{Store: n.Store, VAPID: vapid, Client: n.Federator.Client, Tasks: n.Queue,
		Icon: cfg.PublicURL + "/static/favicon.svg", Policy: opts.Push, Log: log}
	n.Store.SetPushQueue(n.Queue)
	return nil
}
