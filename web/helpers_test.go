package web_test

import "github.com/archipel-social/archipel/accounts"

func rightsUnit(id int64) accounts.Rights { return accounts.Rights{UnitID: &id} }
