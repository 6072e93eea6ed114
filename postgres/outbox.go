package postgres

import (
	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// Outbox returns the store of notices and webhooks.
func (db *DB) Outbox() *OutboxStore { return &OutboxStore{sqlrow.OutboxSQL{Q: db.q()}} }

// OutboxStore keeps notices (the transactional outbox), webhooks and mail
// addresses: the same statements as on SQLite (sqlrow.OutboxSQL).
type OutboxStore struct{ sqlrow.OutboxSQL }

var (
	_ sesame.Outbox    = (*OutboxStore)(nil)
	_ sesame.MailStore = (*OutboxStore)(nil)
)
