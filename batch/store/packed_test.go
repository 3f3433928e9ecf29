package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/report"
)

func TestPackRoundTrip(t *testing.T) {
	html := strings.Repeat(`<div style="margin-bottom: 4px;"><span style="font-size: 12px; color:#252424">Phone Conference ID: </span></div>`, 30)
	for _, fields := range [][][]byte{
		{[]byte("Join Skype Meeting\nhttps://meet.lync.com/x"), []byte("Join Teams\nhttps://teams.microsoft.com/l/y"), []byte("Hej – möte")},
		{nil, []byte(html), nil},
		{{}, {}, {}},
		{[]byte("BEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\n")},
		{{0, 1, 2, 0xff}},
	} {
		b := pack(fields...)
		got, err := unpack(b, len(fields))
		if err != nil {
			t.Fatalf("%q: %v", fields, err)
		}
		for i := range fields {
			if !bytes.Equal(got[i], fields[i]) {
				t.Errorf("field %d: got %q, want %q", i, got[i], fields[i])
			}
		}
	}
	// Repeating markup, as blocks are, takes a fraction of its size.
	if b := pack([]byte(html)); len(b)*4 > len(html) {
		t.Errorf("%d bytes packed to %d", len(html), len(b))
	}
}

func TestUnpackDamaged(t *testing.T) {
	good := pack([]byte("old block"), []byte("new block"), []byte("mail"))
	for name, b := range map[string][]byte{
		"empty":           {},
		"unknown format":  append([]byte{9}, good[1:]...),
		"truncated":       good[:len(good)-3],
		"fewer fields":    pack([]byte("a"), []byte("b")),
		"more fields":     pack([]byte("a"), []byte("b"), []byte("c"), []byte("d")),
		"length too long": {packedS2, 0xff, 0xff, 0xff, 0xff, 0x7f},
		"field past end":  pack([]byte{0x7f}), // one field claiming 127 bytes
	} {
		if _, err := unpack(b, 3); !errors.Is(err, errPacked) {
			t.Errorf("%s: %v, want errPacked", name, err)
		}
	}
	if got, err := unpack(nil, 3); err != nil || len(got) != 3 || got[0] != nil {
		t.Errorf("nil: %q, %v", got, err)
	}
}

// FuzzUnpack: no value panics or unpacks to more than maxUnpacked; what
// pack makes unpacks to what it was given.
func FuzzUnpack(f *testing.F) {
	f.Add([]byte("a"), []byte(""), []byte("ccc"))
	f.Add(pack([]byte("x"), []byte("y"), []byte("z")), []byte{}, []byte{0})
	f.Fuzz(func(t *testing.T, a, b, c []byte) {
		for _, n := range []int{1, 3} {
			if got, err := unpack(a, n); err == nil {
				total := 0
				for _, g := range got {
					total += len(g)
				}
				if total > maxUnpacked {
					t.Fatalf("%d bytes unpacked", total)
				}
			}
		}
		got, err := unpack(pack(a, b, c), 3)
		if err != nil || !bytes.Equal(got[0], a) || !bytes.Equal(got[1], b) || !bytes.Equal(got[2], c) {
			t.Fatalf("round trip: %q, %v", got, err)
		}
	})
}

// testPackedTexts: a meeting's texts and bytes before are stored packed
// (their own columns left empty) and read back whole by UserMeetings and
// the report's reader; rows written before schema 7, with the texts in
// their columns and the bytes before raw, read as they did.
func testPackedTexts(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	b := newBatch(t, s, pending("a@contoso.com", "b@contoso.com")...)
	orig := []byte(strings.Repeat("DESCRIPTION:Microsoft Teams meeting\\nJoin on your computer\r\n", 40))
	m := report.Meeting{UserID: "a@contoso.com", UID: "m1", Summary: "Veckomöte", Outcome: "updated", Start: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC),
		OldBlock: strings.Repeat("Join Skype Meeting\nhttps://meet.lync.com/x\n", 20), NewBlock: "Join Teams\nhttps://teams.microsoft.com/l/y", MailText: "Hej – möte"}
	if err := s.RecordIntent(ctx, b.ID, "a@contoso.com", Meeting{Meeting: m, Original: orig}); err != nil {
		t.Fatal(err)
	}
	var oldBlock string
	var texts, original, packed []byte
	if err := queryRow(ctx, s.eng, `SELECT m.old_block, m.texts, o.original, o.packed FROM mms_meeting m JOIN mms_original o
		ON o.batch_id = m.batch_id AND o.user_id = m.user_id AND o.uid = m.uid WHERE m.uid = ?`, []any{"m1"}, &oldBlock, &texts, &original, &packed); err != nil {
		t.Fatal(err)
	}
	if oldBlock != "" || len(texts) == 0 || len(texts) >= len(m.OldBlock) || len(original) != 0 || len(packed) == 0 || len(packed) >= len(orig) {
		t.Errorf("not stored packed: old_block %d bytes, texts %d, original %d, packed %d (of %d)", len(oldBlock), len(texts), len(original), len(packed), len(orig))
	}
	ms, err := s.UserMeetings(ctx, b.ID, "a@contoso.com")
	if err != nil || len(ms) != 1 || ms[0].Meeting != m || !bytes.Equal(ms[0].Original, orig) {
		t.Fatalf("read back: %+v, %v", ms, err)
	}

	// A row as schema 6 wrote it: texts in their columns, original raw.
	if _, err := s.eng.exec(ctx, `INSERT INTO mms_meeting (batch_id, user_id, seq, uid, summary, start, attendees, outcome, reason, provider,
		old_join_url, new_join_url, intent, completed, end_time, recurrence, detail, changes, old_block, new_block, mail_text)
		VALUES (?, ?, 0, 'old', '', ?, 0, 'updated', '', '', '', '', ?, ?, ?, '', '', '', 'before', 'after', 'mail')`,
		b.ID, "b@contoso.com", time.Time{}, true, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.eng.exec(ctx, `INSERT INTO mms_original (batch_id, user_id, uid, original) VALUES (?, ?, 'old', ?)`, b.ID, "b@contoso.com", []byte("raw")); err != nil {
		t.Fatal(err)
	}
	ms, err = s.UserMeetings(ctx, b.ID, "b@contoso.com")
	if err != nil || len(ms) != 1 || ms[0].OldBlock != "before" || ms[0].NewBlock != "after" || ms[0].MailText != "mail" || string(ms[0].Original) != "raw" {
		t.Fatalf("a schema 6 row: %+v, %v", ms, err)
	}
	all := allMeetings(t, s, b.ID)
	if len(all) != 2 || all[0].Meeting != m || all[1].OldBlock != "before" || all[1].MailText != "mail" {
		t.Errorf("the report's rows: %+v", all)
	}

	// Without texts (the workbook and CSV report), the rest of each row.
	var bare []Meeting
	if err := s.Meetings(ctx, b.ID, false, func(m Meeting) error { bare = append(bare, m); return nil }); err != nil {
		t.Fatal(err)
	}
	want := m
	want.OldBlock, want.NewBlock, want.MailText = "", "", ""
	if len(bare) != 2 || bare[0].Meeting != want || bare[1].UID != "old" || bare[1].OldBlock != "" {
		t.Errorf("rows without texts: %+v", bare)
	}

	// A damaged packed value is an error naming the meeting, not a panic.
	if _, err := s.eng.exec(ctx, `UPDATE mms_meeting SET texts = ? WHERE uid = 'm1'`, []byte{packedS2, 0xff}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserMeetings(ctx, b.ID, "a@contoso.com"); !errors.Is(err, errPacked) || !strings.Contains(err.Error(), "m1") {
		t.Errorf("damaged texts: %v", err)
	}
}

// testNewerSchemaRefused: a store whose schema is newer than this mms
// knows (a newer mms wrote it, perhaps packing what this one would read
// as empty) is refused at Open, naming both versions.
func testNewerSchemaRefused(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	if _, err := s.eng.exec(ctx, `INSERT INTO mms_migration (version, name, applied_at) VALUES (?, ?, ?)`, SchemaVersion()+1, "from the future", time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(ctx, dsn)
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), fmt.Sprintf("version %d, newer than this mms knows (%d)", SchemaVersion()+1, SchemaVersion())) {
		t.Errorf("a store of a newer schema: %v", err)
	}
}
