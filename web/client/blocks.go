package client

import (
	"net/http"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/web/respond"
)

// Blocks, mutes and a person's own domain blocks (Mastodon's
// /accounts/:id/block|unblock|mute|unmute, /blocks, /mutes,
// /domain_blocks). outbox does them; store/hidden.go says what they hide.

// apiBlock is POST /accounts/:id/block and /unblock.
func (api *API) apiBlock(block bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		target, me, ok := api.targetAndMe(w, r)
		if !ok {
			return
		}
		var err error
		if block {
			err = api.Outbox.Block(r.Context(), me, target)
		} else {
			err = api.Outbox.Unblock(r.Context(), me, target)
		}
		if err != nil {
			respond.Fail(w, err)
			return
		}
		respond.JSON(w, http.StatusOK, api.relationship(r, me, target))
	}
}

// muteInput is Mastodon's mute parameters: notifications (default true)
// and duration in seconds (0: no end).
type muteInput struct {
	Notifications *bool `json:"notifications"`
	Duration      any   `json:"duration"`
}

// apiMute is POST /accounts/:id/mute and /unmute.
func (api *API) apiMute(mute bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		target, me, ok := api.targetAndMe(w, r)
		if !ok {
			return
		}
		if !mute {
			if err := api.Store.Unmute(r.Context(), me.ID, target.ID); err != nil {
				respond.Fail(w, err)
				return
			}
			respond.JSON(w, http.StatusOK, api.relationship(r, me, target))
			return
		}
		var in muteInput
		if err := respond.Decode(w, r, &in); err != nil {
			respond.Fail(w, err)
			return
		}
		seconds, ok := wholeNumber(in.Duration)
		if !ok {
			respond.Fail(w, respond.InvalidField("duration", "a whole number of seconds (0: no end)"))
			return
		}
		notifications := in.Notifications == nil || *in.Notifications
		if err := api.Outbox.Mute(r.Context(), me, target, notifications, time.Duration(seconds)*time.Second); err != nil {
			respond.Fail(w, err)
			return
		}
		respond.JSON(w, http.StatusOK, api.relationship(r, me, target))
	}
}

// wholeNumber reads a JSON number or a form's string as a whole number
// (nil: 0). A value too large for a duration is refused.
func wholeNumber(v any) (int64, bool) {
	const limit = 1 << 40
	switch x := v.(type) {
	case nil:
		return 0, true
	case float64:
		if x != float64(int64(x)) || x < -limit || x > limit {
			return 0, false
		}
		return int64(x), true
	case string:
		if x == "" {
			return 0, true
		}
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil && n > -limit && n < limit
	}
	return 0, false
}

// apiBlocks is GET /api/v1/blocks and /mutes: the accounts, paged on the
// block or mute ids, as Mastodon pages them.
func (api *API) apiBlocks(muted bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		me, p, ok := api.mePage(w, r)
		if !ok {
			return
		}
		list := api.Store.Blocked
		if muted {
			list = api.Store.Muted
		}
		lines, err := list(r.Context(), me.ID, p)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		accounts := api.listedAccounts(w, r, lines)
		if !muted {
			respond.JSON(w, http.StatusOK, accounts)
			return
		}
		// Mastodon's mutes add when each ends.
		type mutedJSON struct {
			accountJSON
			MuteExpiresAt *time.Time `json:"mute_expires_at"`
		}
		out := make([]mutedJSON, 0, len(accounts))
		for i, a := range accounts {
			out = append(out, mutedJSON{accountJSON: a, MuteExpiresAt: lines[i].ExpiresAt})
		}
		respond.JSON(w, http.StatusOK, out)
	}
}

// apiDomainBlocks is GET /api/v1/domain_blocks: the caller's blocked
// domains, as strings, paged on their ids.
func (api *API) apiDomainBlocks(w http.ResponseWriter, r *http.Request) {
	me, p, ok := api.mePage(w, r)
	if !ok {
		return
	}
	list, err := api.Store.BlockedDomains(r.Context(), me.ID, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	out := make([]string, 0, len(list))
	for _, d := range list {
		out = append(out, d.Domain)
	}
	if len(list) > 0 {
		api.setLinks(w, r, list[0].ID, list[len(list)-1].ID)
	}
	respond.JSON(w, http.StatusOK, out)
}

// apiDomainBlock is POST and DELETE /api/v1/domain_blocks with domain (in
// the body, or the query as some apps send it).
func (api *API) apiDomainBlock(block bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		me, ok := api.meOrFail(w, r)
		if !ok {
			return
		}
		var in struct {
			Domain string `json:"domain"`
		}
		if err := respond.Decode(w, r, &in); err != nil {
			respond.Fail(w, err)
			return
		}
		if in.Domain == "" {
			in.Domain = r.URL.Query().Get("domain")
		}
		var err error
		if block {
			err = api.Outbox.BlockDomain(r.Context(), me, in.Domain)
		} else {
			err = api.Outbox.UnblockDomain(r.Context(), me, in.Domain)
		}
		if err != nil {
			respond.Fail(w, err)
			return
		}
		respond.JSON(w, http.StatusOK, map[string]any{})
	}
}
