package ui

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/notifymail"
	"github.com/archipel-social/archipel/store"
)

type mailChoice struct {
	Name string
	On   bool
}

type mailSettingsData struct {
	Immediate []mailChoice
	Digests   []mailChoice
}

func mailSettings(p store.MailPreferences) mailSettingsData {
	d := mailSettingsData{Immediate: []mailChoice{
		{notifymail.ScopeMentions, p.Mentions}, {notifymail.ScopeInvitations, p.Invitations},
		{notifymail.ScopeJoinRequests, p.JoinRequests}, {notifymail.ScopeEventReminders, p.EventReminders}}}
	for _, f := range []string{store.DigestWeekly, store.DigestDaily, store.DigestNone} {
		d.Digests = append(d.Digests, mailChoice{f, p.Digest == f})
	}
	return d
}

// mailSettingsForm shows the reader's mail choices.
func (u *UI) mailSettingsForm(w http.ResponseWriter, r *http.Request) {
	p, err := u.Store.MailPreferencesOf(r.Context(), sessionOf(r).Account.ID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := u.newView(r, "title.mail_settings", "me")
	v.Data = mailSettings(p)
	u.render(w, http.StatusOK, "mail_settings", v)
}

// saveMailSettings records the reader's mail choices.
func (u *UI) saveMailSettings(w http.ResponseWriter, r *http.Request) {
	on := func(name string) bool { return r.PostFormValue(name) == "on" }
	p := store.MailPreferences{Mentions: on(notifymail.ScopeMentions), Invitations: on(notifymail.ScopeInvitations),
		JoinRequests: on(notifymail.ScopeJoinRequests), EventReminders: on(notifymail.ScopeEventReminders),
		Digest: r.PostFormValue("digest")}
	if !store.IsDigest(p.Digest) {
		v := u.newView(r, "title.mail_settings", "me")
		v.Data = mailSettings(p)
		v.Errors = map[string]string{"digest": v.T("mailprefs.bad_digest")}
		u.render(w, http.StatusUnprocessableEntity, "mail_settings", v)
		return
	}
	if err := u.Store.SetMailPreferences(r.Context(), sessionOf(r).Account.ID, p); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/notifications?notice=saved", http.StatusSeeOther)
}

type unsubscribeData struct {
	Scope string
	Done  bool
}

// unsubscribe is a mail's unsubscribe link. GET asks (mail scanners open
// links, and opening one must not unsubscribe); POST applies, and is what
// mail clients send for the one-click button (RFC 8058), without cookie
// or CSRF token: the signed link is the authority.
func (u *UI) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if u.Mailer == nil {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	link, err := u.Mailer.ReadToken(r.Context(), chi.URLParam(r, "token"))
	if errors.Is(err, notifymail.ErrBadToken) {
		u.errorPage(w, r, http.StatusNotFound, "err.unsubscribe_link", "hint.settings_mail")
		return
	} else if err != nil {
		u.fail(w, r, err)
		return
	}
	v := u.newView(r, "title.unsubscribe", "")
	v.Data = unsubscribeData{Scope: link.Scope}
	if r.Method == http.MethodPost {
		if err := u.Mailer.Unsubscribe(r.Context(), link); errors.Is(err, store.ErrNotFound) {
			u.errorPage(w, r, http.StatusNotFound, "err.unsubscribe_link", "hint.settings_mail")
			return
		} else if err != nil {
			u.fail(w, r, err)
			return
		}
		v.Data = unsubscribeData{Scope: link.Scope, Done: true}
	}
	u.render(w, http.StatusOK, "unsubscribe", v)
}
