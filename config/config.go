// Package config holds a node's settings: one flag per setting, each with an
// ARCHIPEL_* environment twin, with the names and defaults operators rely on
// (DESIGN.md section 7).
package config

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/storage"
)

// Federation modes.
const (
	ModeOpen      = "open"
	ModeAllowlist = "allowlist"
)

// DefaultSignatureSchemes accepts both schemes peers sign with.
const DefaultSignatureSchemes = "rfc9421,cavage"

// SignatureSchemeList parses SignatureSchemes ("" is the default).
func (c Config) SignatureSchemeList() ([]string, error) {
	v := c.SignatureSchemes
	if strings.TrimSpace(v) == "" {
		v = DefaultSignatureSchemes
	}
	var out []string
	for part := range strings.SplitSeq(v, ",") {
		switch s := strings.ToLower(strings.TrimSpace(part)); s {
		case federation.SchemeRFC9421, federation.SchemeCavage:
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		case "":
		default:
			return nil, fmt.Errorf("signature scheme %q: want rfc9421 or cavage", part)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("signature schemes: accept at least one of rfc9421 and cavage")
	}
	return out, nil
}

// Config is everything a node process needs to start.
type Config struct {
	Listen                string
	PublicURL             string
	DatabaseURL           string
	RedisURL              string
	DataDir               string
	FederationMode        string
	AllowPrivateAddresses string
	// SignatureSchemes lists the HTTP signature schemes accepted on
	// incoming requests: rfc9421, cavage, or both (comma-separated).
	SignatureSchemes string
	// MetricsAllow lists the networks (CIDRs) /metrics answers.
	MetricsAllow string
	// ObservatoryPublic publishes the node's aggregates at /observatory.json.
	ObservatoryPublic bool
	observatoryPublic string
	// QueuePrefix names this node's asynq queues, so that nodes can share
	// one Redis database.
	QueuePrefix string
	// MaxUploadBytes bounds one uploaded file.
	MaxUploadBytes int64
	// MediaMaxBytes bounds one picture (media upload, avatar, header, a
	// peer's attachment fetched here); 0: media's default.
	MediaMaxBytes int64
	maxUpload     string
	mediaMax      string
	// StorageURL says where file contents go: empty for <DataDir>/files,
	// file:///path, or s3://bucket?endpoint=host:port (storage.ParseURL).
	StorageURL  string
	S3AccessKey string
	S3SecretKey string
	// InboxRate limits the activities each remote host may deliver;
	// APIRate limits each account's writes through the client API. A zero
	// Rate is the default; a PerSecond of 0 (from the flags) is no limit.
	InboxRate                                Rate
	APIRate                                  Rate
	inboxRate, inboxBurst, apiRate, apiBurst string
	// Dev relaxes what only matters behind TLS (Secure cookies); set when
	// the public URL is plain http on localhost.
	Dev bool
	Identity
	Instance
}

// Instance is how the node presents itself to Mastodon apps
// (/api/v1/instance, /api/v2/instance): empty fields fall back to the host.
type Instance struct {
	Title        string
	Description  string
	ContactEmail string
	// RulesFile holds the server rules, one a line.
	RulesFile string
}

// Identity is how people sign up and sign in: the sign-up mode, mail, single
// sign-on and the proxies whose client-address headers are believed.
type Identity struct {
	Registrations string // open, approval or closed
	SMTPURL       string // empty: mails are written under <data-dir>/mail
	MailFrom      string
	OIDCIssuer    string // empty: no single sign-on
	OIDCClientID  string
	OIDCSecret    string
	OIDCName      string // the sign-in button's label
	// OIDCTrustEmail takes the provider's e-mail as verified even without
	// an email_verified claim (ProConnect vouches for every address).
	OIDCTrustEmail bool
	oidcTrustEmail string
	// PasswordLoginOff is set when only single sign-on signs people in
	// (ARCHIPEL_PASSWORD_LOGIN=false).
	PasswordLoginOff bool
	passwordLogin    string
	TrustedProxies   string // comma-separated CIDRs
}

// Rate is a token bucket: PerSecond tokens a second, up to Burst at once.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Unlimited says the rate is no limit.
func (r Rate) Unlimited() bool { return r.PerSecond <= 0 }

// Default values, as DESIGN.md section 7 fixes them.
const (
	DefaultListen      = "127.0.0.1:8080"
	DefaultPublicURL   = "http://localhost:8080"
	DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/archipel?sslmode=disable"
	DefaultRedisURL    = "redis://127.0.0.1:6379/0"
	DefaultDataDir     = "./data"
	DefaultMode        = ModeAllowlist
	// DefaultMetricsAllow keeps /metrics to the machine itself.
	DefaultMetricsAllow = "127.0.0.0/8,::1/128"
)

// Default rate limits: generous for a busy peer (a large Mastodon instance
// delivers in bursts), tight enough that one script cannot flood a node.
var (
	DefaultInboxRate = Rate{PerSecond: 300, Burst: 3000}
	DefaultAPIRate   = Rate{PerSecond: 10, Burst: 60}
)

type setting struct {
	flag, env, def, usage string
	target                *string
}

// secrets do not show their environment value as the flag's default in
// --help.
var secrets = map[string]bool{"ARCHIPEL_S3_SECRET_KEY": true, "ARCHIPEL_OIDC_CLIENT_SECRET": true}

func (c *Config) settings() []setting {
	return []setting{
		{"listen", "ARCHIPEL_LISTEN", DefaultListen, "address the HTTP server listens on", &c.Listen},
		{"public-url", "ARCHIPEL_PUBLIC_URL", DefaultPublicURL, "scheme, host and port as peers see the node", &c.PublicURL},
		{"database-url", "ARCHIPEL_DATABASE_URL", DefaultDatabaseURL, "PostgreSQL connection URL", &c.DatabaseURL},
		{"redis-url", "ARCHIPEL_REDIS_URL", DefaultRedisURL, "Redis URL for the asynq queues (a DB number keeps nodes apart)", &c.RedisURL},
		{"data-dir", "ARCHIPEL_DATA_DIR", DefaultDataDir, "folder for uploaded files", &c.DataDir},
		{"federation-mode", "ARCHIPEL_FEDERATION_MODE", DefaultMode, "open (blocklist) or allowlist (only listed peers); stored setting wins once changed with the admin command", &c.FederationMode},
		{"allow-private-addresses", "ARCHIPEL_ALLOW_PRIVATE_ADDRESSES", "", "comma-separated CIDRs the outgoing client may reach although private (e.g. 127.0.0.0/8)", &c.AllowPrivateAddresses},
		{"signature-schemes", "ARCHIPEL_SIGNATURE_SCHEMES", DefaultSignatureSchemes, "HTTP signature schemes accepted from peers: rfc9421, cavage, or both comma-separated (outgoing requests try rfc9421, then cavage)", &c.SignatureSchemes},
		{"metrics-allow", "ARCHIPEL_METRICS_ALLOW", DefaultMetricsAllow, "comma-separated CIDRs whose clients may read /metrics (others get 403)", &c.MetricsAllow},
		{"observatory-public", "ARCHIPEL_OBSERVATORY_PUBLIC", "false", "publish the node's observatory aggregates (monthly, no figure about fewer than 5 people) at /observatory.json", &c.observatoryPublic},
		{"max-upload-bytes", "ARCHIPEL_MAX_UPLOAD_BYTES", "104857600", "largest file a member may upload, in bytes (default 100 MiB)", &c.maxUpload},
		{"media-max-bytes", "ARCHIPEL_MEDIA_MAX_BYTES", "16777216", "largest picture a person may attach to a post or use as avatar or header, and a peer's picture fetched here, in bytes (default 16 MiB)", &c.mediaMax},
		{"queue-prefix", "ARCHIPEL_QUEUE_PREFIX", "archipel", "prefix of this node's queue names in Redis (nodes sharing a Redis need different ones)", &c.QueuePrefix},
		{"registrations", "ARCHIPEL_REGISTRATIONS", "open", "sign-up mode: open (confirmed address), approval (and an admin approves) or closed", &c.Registrations},
		{"smtp-url", "ARCHIPEL_SMTP_URL", "", "mail server: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465; empty writes mails under <data-dir>/mail", &c.SMTPURL},
		{"mail-from", "ARCHIPEL_MAIL_FROM", "", "sender of the node's mail (default noreply@<public host>)", &c.MailFrom},
		{"oidc-issuer", "ARCHIPEL_OIDC_ISSUER", "", "OpenID Connect provider for single sign-on (its issuer URL); empty: none", &c.OIDCIssuer},
		{"oidc-client-id", "ARCHIPEL_OIDC_CLIENT_ID", "", "client id registered with the OpenID provider", &c.OIDCClientID},
		{"oidc-client-secret", "ARCHIPEL_OIDC_CLIENT_SECRET", "", "client secret registered with the OpenID provider", &c.OIDCSecret},
		{"oidc-name", "ARCHIPEL_OIDC_NAME", "SSO", "label of the single sign-on button (e.g. ProConnect)", &c.OIDCName},
		{"oidc-trust-email", "ARCHIPEL_OIDC_TRUST_EMAIL", "false", "take the provider's e-mail as verified without an email_verified claim (true for ProConnect)", &c.oidcTrustEmail},
		{"password-login", "ARCHIPEL_PASSWORD_LOGIN", "true", "false allows only single sign-on", &c.passwordLogin},
		{"trusted-proxies", "ARCHIPEL_TRUSTED_PROXIES", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed for the client address", &c.TrustedProxies},
		{"storage-url", "ARCHIPEL_STORAGE_URL", "", "where file contents go: file:///path, or s3://bucket[/prefix]?endpoint=host:port&region=r (default: the files folder of the data dir)", &c.StorageURL},
		{"s3-access-key", "ARCHIPEL_S3_ACCESS_KEY", "", "access key for an s3:// storage URL", &c.S3AccessKey},
		{"s3-secret-key", "ARCHIPEL_S3_SECRET_KEY", "", "secret key for an s3:// storage URL (prefer the environment variable: flags show in process lists)", &c.S3SecretKey},
		{"instance-title", "ARCHIPEL_INSTANCE_TITLE", "", "the node's name in Mastodon apps (default: its host)", &c.Title},
		{"instance-description", "ARCHIPEL_INSTANCE_DESCRIPTION", "", "one paragraph on the node, for Mastodon apps' server picker", &c.Description},
		{"contact-email", "ARCHIPEL_CONTACT_EMAIL", "", "address people write to about the node (/api/v2/instance contact)", &c.ContactEmail},
		{"rules-file", "ARCHIPEL_RULES_FILE", "", "text file of the node's rules, one a line (/api/v1/instance/rules)", &c.RulesFile},
		{"inbox-rate-per-host", "ARCHIPEL_INBOX_RATE_PER_HOST", ftoa(DefaultInboxRate.PerSecond), "activities per second each remote host may deliver, shared by all processes of the node (0: no limit)", &c.inboxRate},
		{"inbox-burst", "ARCHIPEL_INBOX_BURST", strconv.Itoa(DefaultInboxRate.Burst), "activities a remote host may deliver at once above its rate", &c.inboxBurst},
		{"api-rate", "ARCHIPEL_API_RATE", ftoa(DefaultAPIRate.PerSecond), "writes per second each account may make through the client API, shared by all processes of the node (0: no limit)", &c.apiRate},
		{"api-burst", "ARCHIPEL_API_BURST", strconv.Itoa(DefaultAPIRate.Burst), "writes an account may make at once above its rate", &c.apiBurst},
	}
}

// Register adds the flags to fs; each flag's default is its environment
// variable when set, so a flag on the command line wins over the variable.
func (c *Config) Register(fs *flag.FlagSet) {
	for _, s := range c.settings() {
		def := s.def
		v, fromEnv := os.LookupEnv(s.env)
		if fromEnv && !secrets[s.env] {
			def = v
		}
		fs.StringVar(s.target, s.flag, def, fmt.Sprintf("%s (env %s)", s.usage, s.env))
		if fromEnv && secrets[s.env] {
			*s.target = v
		}
	}
}

// FromEnv returns the configuration from the environment and defaults only.
func FromEnv() Config {
	var c Config
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	c.Register(fs)
	return c
}

// Validate checks the values and fills derived ones.
func (c *Config) Validate() error {
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("public URL %q: want scheme://host[:port]", c.PublicURL)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("public URL %q: a path is not supported", c.PublicURL)
	}
	c.PublicURL = u.Scheme + "://" + u.Host
	switch c.FederationMode {
	case ModeOpen, ModeAllowlist:
	default:
		return fmt.Errorf("federation mode %q: want open or allowlist", c.FederationMode)
	}
	if _, err := c.SignatureSchemeList(); err != nil {
		return err
	}
	if _, err := c.PrivateAllowlist(); err != nil {
		return err
	}
	if _, err := c.MetricsAllowlist(); err != nil {
		return err
	}
	if c.QueuePrefix == "" {
		c.QueuePrefix = "archipel"
	}
	if c.observatoryPublic != "" {
		b, err := strconv.ParseBool(c.observatoryPublic)
		if err != nil {
			return fmt.Errorf("observatory-public %q: want true or false", c.observatoryPublic)
		}
		c.ObservatoryPublic = b
	}
	if c.maxUpload != "" {
		n, err := strconv.ParseInt(c.maxUpload, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("max-upload-bytes %q: want a positive number of bytes", c.maxUpload)
		}
		c.MaxUploadBytes = n
	}
	if c.mediaMax != "" {
		n, err := strconv.ParseInt(c.mediaMax, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("media-max-bytes %q: want a positive number of bytes", c.mediaMax)
		}
		c.MediaMaxBytes = n
	}
	if c.InboxRate, err = parseRate(c.InboxRate, DefaultInboxRate, "inbox-rate-per-host", c.inboxRate, "inbox-burst", c.inboxBurst); err != nil {
		return err
	}
	if c.APIRate, err = parseRate(c.APIRate, DefaultAPIRate, "api-rate", c.apiRate, "api-burst", c.apiBurst); err != nil {
		return err
	}
	if _, err := storage.ParseURL(c.StorageURL, c.DataDir); err != nil {
		return err
	}
	c.Dev = u.Scheme == "http"
	return c.validateIdentity(u.Hostname())
}

func (c *Config) validateIdentity(host string) error {
	switch c.Registrations {
	case "":
		c.Registrations = "open"
	case "open", "approval", "closed":
	default:
		return fmt.Errorf("registrations %q: want open, approval or closed", c.Registrations)
	}
	// The flags' text, when given, sets the booleans; a Config built in code
	// sets them directly.
	if c.passwordLogin != "" {
		on, err := parseBool("password-login", c.passwordLogin)
		if err != nil {
			return err
		}
		c.PasswordLoginOff = !on
	}
	if c.oidcTrustEmail != "" {
		trust, err := parseBool("oidc-trust-email", c.oidcTrustEmail)
		if err != nil {
			return err
		}
		c.OIDCTrustEmail = trust
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return fmt.Errorf("smtp URL: want smtp://[user:pass@]host[:port] or smtps://…")
		}
	}
	if c.MailFrom == "" {
		c.MailFrom = "noreply@" + host
	}
	if c.OIDCIssuer != "" {
		u, err := url.Parse(c.OIDCIssuer)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("oidc issuer %q: want an https URL", c.OIDCIssuer)
		}
		if c.OIDCClientID == "" {
			return fmt.Errorf("oidc: ARCHIPEL_OIDC_CLIENT_ID is needed with ARCHIPEL_OIDC_ISSUER")
		}
		if c.OIDCName == "" {
			c.OIDCName = "SSO"
		}
	} else if c.PasswordLoginOff {
		return fmt.Errorf("password-login=false needs single sign-on (ARCHIPEL_OIDC_ISSUER): nobody could sign in")
	}
	if _, err := c.TrustedProxyList(); err != nil {
		return err
	}
	return nil
}

// TrustedProxyList parses TrustedProxies.
func (c *Config) TrustedProxyList() ([]netip.Prefix, error) {
	p, err := federation.ParseCIDRList(c.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("trusted-proxies: %w", err)
	}
	return p, nil
}

func parseBool(name, v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s %q: want true or false", name, v)
	}
	return b, nil
}

// parseRate reads a rate and its burst from their flags; without them (a
// Config built in Go), a zero rate is the default.
func parseRate(set, def Rate, rateFlag, rate, burstFlag, burst string) (Rate, error) {
	if rate == "" && burst == "" {
		if set == (Rate{}) {
			return def, nil
		}
		return set, nil
	}
	r := def
	if rate != "" {
		v, err := strconv.ParseFloat(rate, 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return Rate{}, fmt.Errorf("%s %q: want a number of requests per second, 0 for no limit", rateFlag, rate)
		}
		r.PerSecond = v
	}
	if burst != "" {
		n, err := strconv.Atoi(burst)
		if err != nil || n < 1 {
			return Rate{}, fmt.Errorf("%s %q: want a whole number of requests, at least 1", burstFlag, burst)
		}
		r.Burst = n
	}
	return r, nil
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Host is the node's host (with port when not the default), as it appears in
// handles and in actor URIs.
func (c *Config) Host() string {
	u, _ := url.Parse(c.PublicURL)
	return u.Host
}

// PrivateAllowlist parses AllowPrivateAddresses.
func (c *Config) PrivateAllowlist() ([]netip.Prefix, error) {
	p, err := federation.ParseCIDRList(c.AllowPrivateAddresses)
	if err != nil {
		return nil, fmt.Errorf("allow-private-addresses: %w", err)
	}
	return p, nil
}

// MetricsAllowlist parses MetricsAllow.
func (c *Config) MetricsAllowlist() ([]netip.Prefix, error) {
	p, err := federation.ParseCIDRList(c.MetricsAllow)
	if err != nil {
		return nil, fmt.Errorf("metrics-allow: %w", err)
	}
	return p, nil
}
