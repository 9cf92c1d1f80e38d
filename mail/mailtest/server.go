// Package mailtest runs a real SMTP server in the test process: the node
// sends to it through its ordinary SMTP path, and tests read what arrived
// (parsed as MIME) and follow its links.
package mailtest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http/httptest"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message as the server got it.
type Received struct {
	From   string
	To     []string
	Header mail.Header
	Text   string // the text/plain part, decoded
	HTML   string // the text/html part, decoded
}

// Link returns the first URL in the text part that starts with prefix.
func (r *Received) Link(prefix string) string {
	for _, u := range linkRE.FindAllString(r.Text, -1) {
		if strings.HasPrefix(u, prefix) {
			return u
		}
	}
	return ""
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// Server is the SMTP server.
type Server struct {
	srv      *smtp.Server
	addr     string
	Username string // when set, the server wants AUTH PLAIN with Password
	Password string
	// RootCAs trusts the certificate of a StartTLS server.
	RootCAs *x509.CertPool

	mu       sync.Mutex
	received []*Received
	refuse   *smtp.SMTPError
	arrived  chan struct{}
}

// Start listens on a loopback port; the server stops with the test.
func Start(t testing.TB) *Server { return start(t, nil) }

// StartTLS is Start with STARTTLS offered, under a certificate for
// 127.0.0.1 that RootCAs trusts.
func StartTLS(t testing.TB) *Server {
	// httptest makes a certificate for 127.0.0.1; borrow it.
	ts := httptest.NewTLSServer(nil)
	cert := ts.TLS.Certificates[0]
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	ts.Close()
	s := start(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	s.RootCAs = roots
	return s
}

func start(t testing.TB, tlsConfig *tls.Config) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{addr: ln.Addr().String(), arrived: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "mail.test"
	s.srv.TLSConfig = tlsConfig
	s.srv.AllowInsecureAuth = tlsConfig == nil
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.MaxMessageBytes = 1 << 20
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// URL is the server's address as ARCHIPEL_SMTP_URL.
func (s *Server) URL() string {
	if s.Username != "" {
		return "smtp://" + s.Username + ":" + s.Password + "@" + s.addr
	}
	return "smtp://" + s.addr
}

// Refuse makes the server answer every message with code (e.g. 451 for a
// temporary failure, 550 for a refusal for good); 0 accepts again.
func (s *Server) Refuse(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		s.refuse = nil
		return
	}
	s.refuse = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: "refused by the test"}
}

// Messages returns what arrived so far.
func (s *Server) Messages() []*Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Received(nil), s.received...)
}

// WaitFor waits for a message to an address whose subject contains
// subject ("" for any), and fails the test past the deadline.
func (s *Server) WaitFor(t testing.TB, to, subject string, within time.Duration) *Received {
	t.Helper()
	deadline := time.After(within)
	for {
		for _, m := range s.Messages() {
			for _, rcpt := range m.To {
				if strings.EqualFold(rcpt, to) && strings.Contains(decodeHeader(m.Header.Get("Subject")), subject) {
					return m
				}
			}
		}
		select {
		case <-s.arrived:
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no mail to %s (subject %q) within %s; got %d other message(s)", to, subject, within, len(s.Messages()))
		}
	}
}

// Subject is a message's decoded subject.
func (r *Received) Subject() string { return decodeHeader(r.Header.Get("Subject")) }

func decodeHeader(h string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(h)
	if err != nil {
		return h
	}
	return d
}

type session struct {
	s    *Server
	from string
	to   []string
	auth bool
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.Username || password != ss.s.Password {
			return errors.New("wrong credentials")
		}
		ss.auth = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.Username != "" && !ss.auth {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	refuse := ss.s.refuse
	ss.s.mu.Unlock()
	if refuse != nil {
		return refuse
	}
	msg, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unreadable message: " + err.Error()}
	}
	msg.From, msg.To = ss.from, ss.to
	ss.s.mu.Lock()
	ss.s.received = append(ss.s.received, msg)
	ss.s.mu.Unlock()
	select {
	case ss.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// parse reads a MIME message and decodes its text and HTML parts.
func parse(raw []byte) (*Received, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	out := &Received{Header: m.Header}
	err = walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, out)
	return out, err
}

func walk(contentType, encoding string, body io.Reader, out *Received) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, out); err != nil {
				return err
			}
		}
	}
	var r io.Reader = body
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		out.Text = string(b)
	case "text/html":
		out.HTML = string(b)
	}
	return nil
}
