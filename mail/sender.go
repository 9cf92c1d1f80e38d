package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// smtpTimeout bounds one conversation with the mail server.
const smtpTimeout = 30 * time.Second

// SMTP sends through a mail server.
type SMTP struct {
	host string
	opts []gomail.Option
	// TLS, when set, replaces the default TLS settings (tests trust their
	// own certificate with it).
	TLS *tls.Config
}

// NewSMTP reads ARCHIPEL_SMTP_URL: smtp://user:pass@host:587 speaks
// STARTTLS when the server offers it, smtps://user:pass@host:465 is TLS
// from the first byte. User and password are optional.
func NewSMTP(rawURL string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("smtp URL: want smtp://[user:pass@]host[:port] or smtps://…")
	}
	s := &SMTP{host: u.Hostname(), opts: []gomail.Option{gomail.WithTimeout(smtpTimeout)}}
	port := 587
	switch u.Scheme {
	case "smtp":
		s.opts = append(s.opts, gomail.WithTLSPortPolicy(gomail.TLSOpportunistic))
	case "smtps":
		port = 465
		s.opts = append(s.opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("smtp URL: scheme %q: want smtp or smtps", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("smtp URL: bad port %q", p)
		}
	}
	s.opts = append(s.opts, gomail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		s.opts = append(s.opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return s, nil
}

// Send delivers one message in its own connection.
func (s *SMTP) Send(ctx context.Context, msg *gomail.Msg) error {
	opts := s.opts
	if s.TLS != nil {
		opts = append(opts[:len(opts):len(opts)], gomail.WithTLSConfig(s.TLS))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// Dir writes each message as an .eml file instead of sending it, and logs
// its first link: what a node without a mail server (make run, the demo)
// does, so that someone working locally can open the link.
type Dir struct {
	Path string
	Log  *slog.Logger
}

var (
	firstLink   = regexp.MustCompile(`https?://[^\s<>"]+`)
	notFileName = regexp.MustCompile(`[^a-z0-9]+`)
)

// Send writes the message to Path.
func (d *Dir) Send(ctx context.Context, msg *gomail.Msg) error {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return err
	}
	id := msg.GetMessageID()
	name := filepath.Join(d.Path, time.Now().UTC().Format("20060102-150405")+"-"+notFileName.ReplaceAllString(id, "")+".eml")
	if err := msg.WriteToFile(name); err != nil {
		return err
	}
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	var link string
	for _, p := range msg.GetParts() {
		if p.GetContentType() == gomail.TypeTextPlain {
			body, _ := p.GetContent()
			link = firstLink.FindString(string(body))
			break
		}
	}
	log.Info("mail written (no ARCHIPEL_SMTP_URL)", "to", msg.GetToString(), "subject", msg.GetGenHeader(gomail.HeaderSubject), "file", name, "link", link)
	return nil
}
