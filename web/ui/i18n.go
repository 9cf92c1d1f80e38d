package ui

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // dates are shown in Paris time wherever the node runs

	"github.com/go-chi/chi/v5"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"github.com/archipel-social/archipel/web/redirect"
)

// The interface speaks French by default and English on request; every
// string comes from the catalogues in i18n/, one JSON object per language.

//go:embed i18n/*.json
var catalogueFiles embed.FS

const (
	langFR     = "fr"
	langEN     = "en"
	langCookie = "archipel_lang"
)

var languages = []string{langFR, langEN}

var matcher = language.NewMatcher([]language.Tag{language.French, language.English})

// catalogues maps a language to its messages.
var catalogues = mustLoadCatalogues()

func mustLoadCatalogues() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range languages {
		raw, err := catalogueFiles.ReadFile("i18n/" + l + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			panic(fmt.Sprintf("i18n/%s.json: %v", l, err))
		}
		out[l] = m
	}
	return out
}

// translate returns a message of a language, formatted with args; a missing
// key shows itself, so that it is noticed (a test checks none is missing).
func translate(lang, key string, args ...any) string {
	msg, ok := catalogues[lang][key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// translatePlural picks the message for a count by the language's plural
// rules (CLDR's, from x/text: French says "1 autre", "0 autre" and "2
// autres", English "1 other" and "0 others"): key.one or key.other.
func translatePlural(lang, key string, n int64, args ...any) string {
	tag := language.French
	if lang == langEN {
		tag = language.English
	}
	// MatchPlural reads the integer digits as an int; a count beyond it is
	// plural in both languages.
	form := "other"
	if n >= 0 && n <= math.MaxInt32 && plural.Cardinal.MatchPlural(tag, int(n), 0, 0, 0, 0) == plural.One {
		form = "one"
	}
	return translate(lang, key+"."+form, args...)
}

func hasMessage(lang, key string) bool {
	_, ok := catalogues[lang][key]
	return ok
}

type langKey struct{}

func langOf(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return langFR
}

// withLanguage picks the reader's language: the cookie set by the switch,
// else Accept-Language, else French.
func (u *UI) withLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := ""
		if c, err := r.Cookie(langCookie); err == nil && (c.Value == langFR || c.Value == langEN) {
			lang = c.Value
		} else {
			tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
			lang = langFR
			if len(tags) > 0 {
				if _, i, conf := matcher.Match(tags...); conf != language.No {
					lang = languages[i]
				}
			}
		}
		w.Header().Set("Content-Language", lang)
		w.Header().Add("Vary", "Accept-Language, Cookie")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey{}, lang)))
	})
}

// switchLanguage remembers the chosen language in a cookie and goes back.
func (u *UI) switchLanguage(w http.ResponseWriter, r *http.Request) {
	lang := chi.URLParam(r, "lang")
	if lang != langFR && lang != langEN {
		u.fail(w, r, errNotFoundPage)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: u.secure, SameSite: http.SameSiteLaxMode})
	// A signed-in reader's mails follow the language they chose.
	if sess := sessionOf(r); sess != nil && sess.Account.Locale != lang {
		if err := u.Store.SetLocale(r.Context(), sess.Account.ID, lang); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, redirect.Local(r.URL.Query().Get("next")), http.StatusSeeOther)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

var paris = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Paris"); err == nil {
		return l
	}
	return time.Local
}()

// formatDate writes a date the reader's way: "3 mars 2026 à 14:05" or
// "March 3, 2026 at 2:05 PM", from the catalogue's pattern.
func formatDate(lang string, t time.Time) string {
	t = t.In(paris)
	hour := fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute())
	if lang == langEN {
		hour = t.Format("3:04 PM")
	}
	r := strings.NewReplacer("{day}", strconv.Itoa(t.Day()), "{month}", translate(lang, "month."+strconv.Itoa(int(t.Month()))),
		"{year}", strconv.Itoa(t.Year()), "{time}", hour)
	return r.Replace(translate(lang, "date.pattern"))
}
