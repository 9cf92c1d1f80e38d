// Package ui is the node's web interface: server-rendered pages and forms
// (html/template, embedded assets, no JavaScript needed), in French by
// default and in English. Handlers call accounts, outbox, store and the
// federator as the client API does; they hold no business rules.
package ui

import (
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/notifymail"
	"github.com/archipel-social/archipel/oauth"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/sso"
	"github.com/archipel-social/archipel/store"
)

// Deps is what the pages need.
type Deps struct {
	Store     *store.Store
	Links     ap.Links
	Accounts  *accounts.Service
	Outbox    *outbox.Outbox
	Federator *federation.Federator
	// OAuth runs the apps' authorisations (consent page, settings).
	OAuth *oauth.Service
	// SSO is the single sign-on provider (nil: none), SSOName its button.
	SSO     *sso.Provider
	SSOName string
	// Mailer reads the mails' unsubscribe links (nil: no such links).
	Mailer *notifymail.Mailer
	Log    *slog.Logger
}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pageTimeout bounds a page, federation look-ups included.
const pageTimeout = 30 * time.Second

// maxFormBody bounds a form post.
const maxFormBody = 256 << 10

// UI serves the pages.
type UI struct {
	Deps
	pages  *templates
	secure bool
}

// New builds the web interface's handler.
func New(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	u := &UI{Deps: d, pages: mustParseTemplates(), secure: strings.HasPrefix(d.Links.Base, "https://")}
	r := chi.NewRouter()
	static, _ := fs.Sub(staticFiles, "static")
	r.With(cacheStatic).Handle("/static/*", http.StripPrefix("/static/", http.FileServerFS(static)))

	// File transfers: no page timeout, and no form parsing, since an upload
	// is read part by part (its CSRF token first, see readUpload).
	r.Group(func(r chi.Router) {
		r.Use(u.withLanguage, u.withSession)
		r.Get("/g/{handle}/documents/{id}/file", u.downloadDocument)
		r.With(u.requireLogin).Post("/g/{handle}/documents", u.uploadDocument)
		r.With(u.requireLogin).Post("/g/{handle}/documents/{id}/versions", u.uploadVersion)
	})

	// A mail's unsubscribe link is posted by mail clients, from anywhere,
	// without cookie or CSRF token (RFC 8058): its signature is the check.
	r.Group(func(r chi.Router) {
		r.Use(middleware.Timeout(pageTimeout), u.withLanguage, u.parseForm, u.withSession)
		r.Get("/mail/unsubscribe/{token}", u.unsubscribe)
		r.Post("/mail/unsubscribe/{token}", u.unsubscribe)
	})

	// A page's text may be larger than other forms (up to wiki.MaxBody).
	r.Group(func(r chi.Router) {
		r.Use(middleware.Timeout(pageTimeout), u.withLanguage, u.parseFormWithin(maxPageForm), u.withSession, u.checkCSRF, u.requireLogin)
		r.Post("/g/{handle}/pages", u.createPage)
		r.Post("/g/{handle}/pages/{id}/edit", u.savePage)
	})

	r.Group(func(r chi.Router) {
		r.Use(middleware.Timeout(pageTimeout), u.withLanguage, u.parseForm, u.withSession, u.checkCSRF)
		r.Get("/lang/{lang}", u.switchLanguage)
		r.Get("/", u.home)
		r.Get("/login", u.loginForm)
		r.Post("/login", u.login)
		r.Post("/logout", u.logout)
		r.Get("/signup", u.signupForm)
		r.Post("/signup", u.signup)
		r.Get("/confirm", u.confirmPending)
		r.Post("/confirm/resend", u.resendConfirmation)
		r.Get("/confirm/{token}", u.confirmLink)
		r.Get("/password/forgot", u.forgotForm)
		r.Post("/password/forgot", u.forgot)
		r.Get("/reset/{token}", u.resetForm)
		r.Post("/reset/{token}", u.reset)
		r.Get("/login/sso", u.ssoStart)
		r.Get("/login/sso/callback", u.ssoCallback)
		r.Get("/login/sso/link/{token}", u.ssoLinkForm)
		r.Post("/login/sso/link/{token}", u.ssoLink)
		r.Get("/oauth/authorize", u.authorize)
		r.Post("/oauth/authorize", u.authorizeAnswer)
		r.Get("/@{handle}", u.profile)
		r.Get("/g/{handle}", u.groupPage)
		r.Get("/g/{handle}/members", u.groupMembers)
		r.Get("/g/{handle}/documents", u.documents)
		r.Get("/g/{handle}/documents/{id}", u.document)
		r.Get("/g/{handle}/events", u.groupEvents)
		r.Get("/g/{handle}/events/{id}", u.eventPage)
		r.Get("/g/{handle}/pages", u.pageList)
		r.Get("/g/{handle}/pages/{id}", u.page)
		r.Get("/g/{handle}/pages/{id}/history", u.pageHistory)
		r.Get("/g/{handle}/pages/{id}/diff", u.pageDiff)
		r.Get("/g/{handle}/tasks", u.tasks)
		r.Get("/directory", u.directory)
		r.Get("/groups", u.groups)
		r.Get("/posts/{id}", u.thread)
		r.Get("/tags/{name}", u.tagPage)

		r.Group(func(r chi.Router) {
			r.Use(u.requireLogin)
			r.Post("/posts", u.createPost)
			r.Get("/messages", u.messages)
			r.Post("/messages", u.sendMessage)
			r.Get("/messages/{id}", u.conversation)
			r.Post("/messages/{id}", u.replyMessage)
			r.Post("/posts/{id}/like", u.like(true))
			r.Post("/posts/{id}/unlike", u.like(false))
			r.Post("/posts/{id}/delete", u.deletePost)
			r.Post("/posts/{id}/edit", u.editPost)
			r.Post("/posts/{id}/share", u.share(true))
			r.Post("/posts/{id}/unshare", u.share(false))
			r.Get("/settings/profile", u.editProfileForm)
			r.Post("/settings/profile", u.editProfile)
			r.Post("/settings/skills/add", u.addSkill)
			r.Post("/settings/skills/remove", u.removeSkill)
			r.Post("/settings/skills/suggestions/{answer:accept|dismiss}", u.answerSkill)
			r.Get("/settings/password", u.passwordForm)
			r.Post("/settings/password", u.changePassword)
			r.Get("/settings/email", u.emailForm)
			r.Post("/settings/email", u.changeEmail)
			r.Get("/settings/security", u.security)
			r.Get("/settings/notifications", u.mailSettingsForm)
			r.Post("/settings/notifications", u.saveMailSettings)
			r.Post("/settings/sessions/{id}/end", u.endSession)
			r.Post("/settings/tokens/{id}/revoke", u.revokeToken)
			r.Post("/admin/signups/{id}/{answer}", u.answerSignUp)
			r.Post("/actors/{id}/follow", u.follow(true))
			r.Post("/actors/{id}/unfollow", u.follow(false))
			r.Post("/actors/{id}/follow-request", u.answerFollow)
			r.Get("/find", u.findForm)
			r.Post("/find", u.find)
			// /groups/{name}/… belongs to ActivityPub; group actions live
			// under the group's page, /g/{handle}/….
			r.Get("/new/group", u.newGroupForm)
			r.Post("/new/group", u.createGroup)
			r.Post("/g/{handle}/join", u.join)
			r.Post("/g/{handle}/leave", u.leave)
			r.Post("/g/{handle}/invite", u.invite)
			r.Post("/g/{handle}/welcome", u.setWelcome)
			r.Post("/g/{handle}/announcements", u.announce)
			r.Post("/invite", u.invite)
			r.Get("/g/{handle}/manage", u.manageGroup)
			r.Get("/g/{handle}/observatory", u.groupObservatory)
			r.Get("/observatory", u.observatoryPage)
			r.Post("/g/{handle}/members/{member}/{action}", u.memberAction)
			r.Post("/g/{handle}/documents/{id}/edit", u.editDocument)
			r.Post("/g/{handle}/documents/{id}/delete", u.deleteDocument)
			r.Get("/agenda", u.agenda)
			r.Get("/g/{handle}/events/new", u.eventForm)
			r.Post("/g/{handle}/events", u.saveEvent)
			r.Get("/g/{handle}/events/{id}/edit", u.eventForm)
			r.Post("/g/{handle}/events/{id}/edit", u.saveEvent)
			r.Post("/g/{handle}/events/{id}/delete", u.deleteEvent)
			r.Post("/g/{handle}/events/{id}/participate", u.participate(true))
			r.Post("/g/{handle}/events/{id}/leave", u.participate(false))
			r.Get("/g/{handle}/pages/new", u.newPageForm)
			r.Get("/g/{handle}/pages/{id}/edit", u.editPageForm)
			r.Post("/g/{handle}/pages/{id}/restore/{n}", u.restorePage)
			r.Post("/g/{handle}/tasks", u.createTask)
			r.Post("/g/{handle}/tasks/{id}/status", u.moveTask)
			r.Get("/tasks", u.myTasks)
			r.Get("/notifications", u.notifications)
			r.Post("/notifications/read", u.markNotificationsRead)
			r.Get("/admin", u.admin)
			r.Post("/admin/tier-rules", u.setTierRule)
			r.Post("/admin/federation", u.setFederation)
			r.Post("/admin/domains", u.setDomain)
			r.Post("/admin/deliveries/retry", u.retryDeliveries)
			r.Post("/admin/accounts/{id}", u.setRights)
			r.Post("/admin/accounts", u.createAccount)
			r.Post("/admin/units", u.createUnit)
		})
		r.NotFound(func(w http.ResponseWriter, r *http.Request) { u.fail(w, r, store.ErrNotFound) })
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			u.errorPage(w, r, http.StatusMethodNotAllowed, "err.method", "hint.back")
		})
	})
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST /mail/unsubscribe/{token}")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.errorPage(w, r, http.StatusForbidden, "err.crossorigin", "hint.reload")
	}))
	return &pages{Handler: securityHeaders(cop.Handler(r)), u: u}
}

// pages is the web interface's handler, which also answers the text check
// of the node's router (respond.CheckTextWith) with a page.
type pages struct {
	http.Handler
	u *UI
}

// BadTextPage tells a browser that the address or form it sent holds a NUL
// or invalid UTF-8, in the reader's language.
func (p *pages) BadTextPage(w http.ResponseWriter, r *http.Request, status int) {
	securityHeaders(p.u.withLanguage(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.u.errorPage(w, r, status, "err.bad_text", "hint.bad_text")
	}))).ServeHTTP(w, r)
}

func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// parseForm reads a posted form, within maxFormBody, so that handlers and
// the CSRF check find it in r.PostForm.
func (u *UI) parseForm(next http.Handler) http.Handler { return u.parseFormWithin(maxFormBody)(next) }

// parseFormWithin is parseForm with another limit on the body.
func (u *UI) parseFormWithin(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler { return u.formParser(limit, next) }
}

func (u *UI) formParser(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			if err := r.ParseForm(); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					u.fail(w, r, err)
				} else {
					// A bad escape in the form or the address: the
					// sender's fault, not the node's.
					u.errorPage(w, r, http.StatusBadRequest, "err.bad_form", "hint.reload")
				}
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders: no scripts at all, no framing, no sniffing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; script-src 'none'; style-src 'self'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
