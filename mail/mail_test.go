package mail_test

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/archipel-social/archipel/mail"
	"github.com/archipel-social/archipel/mail/mailtest"
	"github.com/archipel-social/archipel/node"
	"github.com/archipel-social/archipel/queue"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// fastRetry keeps the retry tests short.
var fastRetry = mail.RetryPolicy{BaseDelay: 200 * time.Millisecond, MaxDelay: time.Second, GiveUpAfter: time.Hour}

type rig struct {
	store  *store.Store
	outbox *mail.Outbox
	smtp   *mailtest.Server
	queue  *queue.Queue
}

// newRig is a store, a real SMTP server, and a worker running the mail
// queue on the real Redis.
func newRig(t *testing.T, worker bool) *rig {
	t.Helper()
	st, _ := testnet.NewStore(t)
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb, err := node.ConnectRedis(context.Background(), testnet.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	q := queue.New(rdb, "t"+store.NewID())
	o := &mail.Outbox{Store: st, From: "Archipel <noreply@node.test>", Node: "node.test:8080", BaseURL: "http://node.test:8080",
		Tasks: q, Sender: sender, Policy: fastRetry}
	r := &rig{store: st, outbox: o, smtp: srv, queue: q}
	if worker {
		r.startWorker(t)
	}
	return r
}

func (r *rig) startWorker(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		unused := errors.New("not used by the mail tests")
		err := r.queue.Run(ctx, queue.Handlers{
			Deliver:   func(context.Context, int64, int) error { return unused },
			Process:   func(context.Context, int64) error { return unused },
			Reconcile: r.outbox.Reconcile,
			Mail:      r.outbox.Send,
		}, queue.WorkerConfig{Concurrency: 2, ReconcileEvery: time.Second})
		if err != nil {
			t.Errorf("worker: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func confirmMessage(to string) mail.Message {
	return mail.Message{To: to, Lang: "fr", Kind: "confirm",
		Data: map[string]string{"Username": "alice", "Link": "http://node.test:8080/confirm/abc"}}
}

// waitMail waits for a message row to reach a state.
func waitMail(t *testing.T, st *store.Store, id int64, state string) *store.Mail {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, err := st.MailByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if m.State == state {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("mail %d is %s after 30 s (want %s; last error %q)", id, m.State, state, m.LastError)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A message queued in a transaction goes out through SMTP once it commits:
// text and HTML, the row's Message-ID, and the row keeps no body once sent.
func TestQueuedMailIsSentThroughSMTP(t *testing.T) {
	r := newRig(t, true)
	ctx := context.Background()
	var id int64
	err := r.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		id, err = r.outbox.Queue(ctx, tx, confirmMessage("alice@interieur.gouv.fr"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := r.smtp.WaitFor(t, "alice@interieur.gouv.fr", "Confirmez", 30*time.Second)
	if link := got.Link("http://node.test:8080/confirm/"); link != "http://node.test:8080/confirm/abc" {
		t.Errorf("link in the text part: %q\n%s", link, got.Text)
	}
	if !strings.Contains(got.HTML, `href="http://node.test:8080/confirm/abc"`) {
		t.Errorf("HTML part lacks the link:\n%s", got.HTML)
	}
	if got.From != "noreply@node.test" {
		t.Errorf("envelope sender %q", got.From)
	}
	row := waitMail(t, r.store, id, store.MailSent)
	if want := "<" + row.MessageID + ">"; got.Header.Get("Message-Id") != want {
		t.Errorf("Message-ID %q, want %q", got.Header.Get("Message-Id"), want)
	}
	if !strings.HasSuffix(row.MessageID, "@node.test") {
		t.Errorf("Message-ID %q: want the node's domain without port", row.MessageID)
	}
	if row.Text != "" || row.HTML != "" {
		t.Error("a sent message keeps its bodies (and their link) in the database")
	}
	if n := len(r.smtp.Messages()); n != 1 {
		t.Errorf("%d messages arrived, want 1", n)
	}
}

// A message whose transaction rolls back is neither stored nor sent.
func TestMailOfRolledBackTransactionIsNotSent(t *testing.T) {
	r := newRig(t, true)
	ctx := context.Background()
	boom := errors.New("the cause failed")
	err := r.store.Tx(ctx, func(tx *store.Store) error {
		if _, err := r.outbox.Queue(ctx, tx, confirmMessage("bob@example.org")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx: %v", err)
	}
	mails, err := r.store.MailsTo(ctx, "bob@example.org", 10)
	if err != nil || len(mails) != 0 {
		t.Fatalf("rolled-back mail stored: %v, %v", mails, err)
	}
	// Something sent after it arrives, and it alone.
	if err := r.store.Tx(ctx, func(tx *store.Store) error {
		_, err := r.outbox.Queue(ctx, tx, confirmMessage("carol@example.org"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r.smtp.WaitFor(t, "carol@example.org", "", 30*time.Second)
	for _, m := range r.smtp.Messages() {
		if m.To[0] == "bob@example.org" {
			t.Fatal("the rolled-back mail was sent")
		}
	}
}

// A temporary refusal is retried until the server accepts; a refusal for
// good makes the message dead at once.
func TestMailRetriesTemporaryFailuresAndGivesUpOnRefusal(t *testing.T) {
	r := newRig(t, true)
	ctx := context.Background()
	r.smtp.Refuse(451)
	id, err := r.outbox.Queue(ctx, r.store, confirmMessage("dave@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, _ := r.store.MailByID(ctx, id)
		if m.Attempts >= 2 {
			if m.State != store.MailPending || !strings.Contains(m.LastError, "451") {
				t.Fatalf("after a temporary refusal: state %s, error %q", m.State, m.LastError)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retry: %d attempts", m.Attempts)
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.smtp.Refuse(0)
	r.smtp.WaitFor(t, "dave@example.org", "", 30*time.Second)
	waitMail(t, r.store, id, store.MailSent)

	r.smtp.Refuse(550)
	id, err = r.outbox.Queue(ctx, r.store, confirmMessage("erin@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	dead := waitMail(t, r.store, id, store.MailDead)
	if dead.Attempts != 1 || dead.Text != "" {
		t.Errorf("refused mail: %d attempts, body kept: %v", dead.Attempts, dead.Text != "")
	}
}

// What Redis never got (a crash between commit and enqueue, a flush) is
// sent by the reconciler from the row alone.
func TestReconcilerSendsMailRedisNeverHad(t *testing.T) {
	r := newRig(t, false)
	ctx := context.Background()
	r.outbox.Tasks = nil // the enqueue is lost
	id, err := r.outbox.Queue(ctx, r.store, confirmMessage("frank@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	// The row is older than the reconciler's grace period.
	if _, err := r.store.Pool().Exec(ctx, `update mails set next_at = now() - interval '1 minute' where id = $1`, id); err != nil {
		t.Fatal(err)
	}
	r.outbox.Tasks = r.queue
	r.startWorker(t)
	r.smtp.WaitFor(t, "frank@example.org", "", 30*time.Second)
	waitMail(t, r.store, id, store.MailSent)
}

// Without a mail server, messages are written as .eml files.
func TestDirSenderWritesEML(t *testing.T) {
	r := newRig(t, false)
	dir := filepath.Join(t.TempDir(), "mail")
	r.outbox.Sender = &mail.Dir{Path: dir}
	id, err := r.outbox.Queue(context.Background(), r.store, confirmMessage("gina@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.outbox.Send(context.Background(), id, 0); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("files: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "To: <gina@example.org>") || !strings.Contains(string(b), "/confirm/abc") {
		t.Errorf("eml file:\n%s", b)
	}
	waitMail(t, r.store, id, store.MailSent)
}

// Every template renders in both languages, with a one-line subject even
// when the data holds a newline.
func TestTemplatesRenderInBothLanguages(t *testing.T) {
	r := newRig(t, false)
	ctx := context.Background()
	// Every key any template reads (notification and digest mails read
	// more than account mails).
	data := map[string]any{"Username": "x\nBcc: evil@example.org", "Link": "http://node.test/l", "Email": "a@b.fr",
		"Type": "mention", "Who": "Alice", "Group": "Urbanisme", "Excerpt": "Bonjour", "Text": "Réunion jeudi", "Settings": "http://node.test/s",
		"Frequency": "weekly", "Title": "Réunion\nBcc: evil@example.org", "When": "mardi 2 mars 2027, 14 h 00 – 15 h 00",
		"Kind": "1h", "Location": "Salle 4", "Online": "", "Posts": 2, "Invitations": 1, "Home": "http://node.test/",
		"Groups": []map[string]any{{"Name": "Urbanisme", "Link": "http://node.test/g/u", "Posts": 2,
			"Latest":    []map[string]string{{"Author": "Alice", "Excerpt": "Bonjour", "Link": "http://node.test/posts/1"}},
			"Documents": []map[string]string{{"Title": "CR", "Link": "http://node.test/g/u/documents/2"}}}}}
	for _, kind := range mail.Kinds() {
		for _, lang := range []string{"fr", "en"} {
			id, err := r.outbox.Queue(ctx, r.store, mail.Message{To: "t@example.org", Lang: lang, Kind: kind, Data: data})
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			m, _ := r.store.MailByID(ctx, id)
			if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") || m.Text == "" || !strings.Contains(m.HTML, "<html lang=\""+lang+"\">") {
				t.Errorf("%s/%s: subject %q, text %d bytes, html %d bytes", kind, lang, m.Subject, len(m.Text), len(m.HTML))
			}
		}
	}
	if _, err := r.outbox.Queue(ctx, r.store, mail.Message{To: "t@example.org", Kind: "nope"}); err == nil {
		t.Error("unknown template accepted")
	}
}

// The user and password of ARCHIPEL_SMTP_URL log in after STARTTLS; a
// wrong one is an error the outbox retries, not a message lost; and no
// password goes over a connection without TLS.
func TestSMTPLogin(t *testing.T) {
	srv := mailtest.StartTLS(t)
	srv.Username, srv.Password = "archipel", "s3cret"
	r := newRig(t, false)
	plain := mailtest.Start(t)
	plain.Username, plain.Password = "archipel", "s3cret"
	if sender, err := mail.NewSMTP(plain.URL()); err != nil {
		t.Fatal(err)
	} else if err := sender.Send(context.Background(), mustBuild(t, r)); err == nil || len(plain.Messages()) != 0 {
		t.Errorf("password sent without TLS: %v", err)
	}
	msg := confirmMessage("hana@example.org")
	for _, c := range []struct {
		url string
		ok  bool
	}{{srv.URL(), true}, {strings.Replace(srv.URL(), "s3cret", "wrong", 1), false}} {
		sender, err := mail.NewSMTP(c.url)
		if err != nil {
			t.Fatal(err)
		}
		sender.TLS = &tls.Config{RootCAs: srv.RootCAs, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
		r.outbox.Sender = sender
		id, err := r.outbox.Queue(context.Background(), r.store, msg)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.outbox.Send(context.Background(), id, 0); err != nil {
			t.Fatal(err)
		}
		m, _ := r.store.MailByID(context.Background(), id)
		if c.ok != (m.State == store.MailSent) || (!c.ok && m.State != store.MailPending) {
			t.Errorf("%s: state %s, error %q", c.url, m.State, m.LastError)
		}
	}
	if len(srv.Messages()) != 1 {
		t.Errorf("%d messages arrived, want 1", len(srv.Messages()))
	}
	for _, bad := range []string{"http://host", "smtp://", "smtp://host:0", "smtp://host:99999"} {
		if _, err := mail.NewSMTP(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// mustBuild is a message as the outbox builds it, through a Dir sender.
func mustBuild(t *testing.T, r *rig) *gomail.Msg {
	t.Helper()
	capture := &capturing{}
	o := *r.outbox
	o.Sender = capture
	id, err := o.Queue(context.Background(), r.store, confirmMessage("ivy@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Send(context.Background(), id, 0); err != nil {
		t.Fatal(err)
	}
	return capture.msg
}

// capturing keeps the message it is given instead of sending it.
type capturing struct{ msg *gomail.Msg }

func (c *capturing) Send(_ context.Context, m *gomail.Msg) error { c.msg = m; return nil }
