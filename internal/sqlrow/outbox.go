package sqlrow

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// NewNoticeColumns are the columns NewNoticeValues fills.
const NewNoticeColumns = `id, recipient, topic, body, created_at, next_attempt, delivered_at`

// NewNoticeValues are the values of a new notice of body to recipient. A
// person's notice is delivered by being stored: it is their inbox.
func NewNoticeValues(recipient, topic string, body any, at time.Time) ([]any, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	var id [16]byte
	rand.Read(id[:])
	var delivered *int64
	if strings.HasPrefix(recipient, "person:") {
		delivered = NullNS(at)
	}
	return []any{"ntc_" + hex.EncodeToString(id[:]), recipient, topic, b, NS(at), NS(at), delivered}, nil
}

// NoticeColumns are a notice's columns as ScanNotice reads them.
const NoticeColumns = `id, recipient, topic, body, created_at, attempts, next_attempt, delivered_at, last_error`

// ScanNotice reads a row of NoticeColumns.
func ScanNotice(row Row) (sesame.Notice, error) {
	var n sesame.Notice
	var created, next int64
	var delivered *int64
	var body []byte
	err := row.Scan(&n.ID, &n.Recipient, &n.Topic, &body, &created, &n.Attempts, &next, &delivered, &n.LastError)
	n.Body, n.CreatedAt, n.NextAttempt, n.DeliveredAt = json.RawMessage(body), FromNS(created), FromNS(next), FromNullNS(delivered)
	return n, err
}
