package caldav

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// response is the part of one response of a WebDAV 207 answer (RFC 4918,
// 14.24) that this package reads. We decode answers ourselves because
// go-webdav decodes calendar-data into go-ical values, and re-encoding them
// would not give the server's bytes back.
type response struct {
	Hrefs     []string   `xml:"DAV: href"`
	Status    string     `xml:"DAV: status"`
	Propstats []propstat `xml:"DAV: propstat"`
}

type propstat struct {
	Status string `xml:"DAV: status"`
	Prop   struct {
		ETag         *string `xml:"DAV: getetag"`
		Length       *string `xml:"DAV: getcontentlength"`
		CalendarData *string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
		Principal    *struct {
			Href string `xml:"DAV: href"`
		} `xml:"DAV: current-user-principal"`
		ResourceType *struct {
			Collection *struct{} `xml:"DAV: collection"`
			Calendar   *struct{} `xml:"urn:ietf:params:xml:ns:caldav calendar"`
			Principal  *struct{} `xml:"DAV: principal"`
		} `xml:"DAV: resourcetype"`
		HomeSet *struct {
			Href string `xml:"DAV: href"`
		} `xml:"urn:ietf:params:xml:ns:caldav calendar-home-set"`
		InboxURL *struct {
			Href string `xml:"DAV: href"`
		} `xml:"urn:ietf:params:xml:ns:caldav schedule-inbox-URL"`
		OutboxURL *struct {
			Href string `xml:"DAV: href"`
		} `xml:"urn:ietf:params:xml:ns:caldav schedule-outbox-URL"`
	} `xml:"DAV: prop"`
}

// found is what one response says with status 200 (2xx).
type found struct {
	href         string
	etag         *string
	data         *string
	size         int64 // getcontentlength; -1 when not given or unreadable
	isCalendar   bool
	isCollection bool
	isPrincipal  bool   // a principal: its resource type says so, or it names a calendar home
	inbox        string // a principal's scheduling inbox (RFC 6638), "" none
	outbox       string // and outbox
	principal    string // current-user-principal href
	homeSet      string // calendar-home-set href
}

// decodeMultistatus reads a 207 body, keeping carriage returns in text:
// an XML parser turns every CR LF into LF (XML 1.0, 2.11), so the CRs are
// turned into character references first.
func decodeMultistatus(body []byte) ([]found, error) {
	var out []found
	err := eachResponse(body, func(r response) error {
		if f, ok := foundOf(r); ok {
			out = append(out, f)
		}
		return nil
	})
	return out, err
}

// maxSkipDepth bounds how deep an element of a multi-status answer other
// than a response may nest (RFC 4918 has none deeper than two: a
// responsedescription's text, a sync-token). An answer nested deeper
// (200,000 levels and no response: a hostile or broken server) cannot be
// read, so that the caller's fallback reads the objects one by one rather
// than taking it for an empty calendar.
const maxSkipDepth = 64

// eachResponse decodes the responses of a 207 body one at a time,
// keeping carriage returns in text as decodeMultistatus does.
func eachResponse(body []byte, fn func(response) error) error {
	dec := xml.NewDecoder(bytes.NewReader(protectCR(body)))
	root := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if !root {
				return errors.New("multi-status answer: no multistatus element")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("multi-status answer: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case !root:
			if start.Name.Space != "DAV:" || start.Name.Local != "multistatus" {
				return fmt.Errorf("multi-status answer: root element %s, not DAV: multistatus", start.Name.Local)
			}
			root = true
		case start.Name.Space == "DAV:" && start.Name.Local == "response":
			var r response
			if err := dec.DecodeElement(&r, &start); err != nil {
				return fmt.Errorf("multi-status answer: %w", err)
			}
			if err := fn(r); err != nil {
				return err
			}
		default:
			if err := skip(dec, start); err != nil {
				return fmt.Errorf("multi-status answer: %w", err)
			}
		}
	}
}

// skip reads up to the end of the element start opened, as
// xml.Decoder.Skip does, failing once elements nest deeper than
// maxSkipDepth inside it.
func skip(dec *xml.Decoder, start xml.StartElement) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth++; depth > maxSkipDepth {
				return fmt.Errorf("%s holds elements nested more than %d deep", start.Name.Local, maxSkipDepth)
			}
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// foundOf is what one response says with status 200 (2xx); false for a
// response without an href.
func foundOf(r response) (found, bool) {
	if len(r.Hrefs) == 0 {
		return found{}, false
	}
	f := found{href: strings.TrimSpace(r.Hrefs[0]), size: -1}
	for _, ps := range r.Propstats {
		if !okStatus(ps.Status) {
			continue
		}
		if ps.Prop.ETag != nil {
			f.etag = ps.Prop.ETag
		}
		if ps.Prop.CalendarData != nil {
			f.data = ps.Prop.CalendarData
		}
		if ps.Prop.Length != nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(*ps.Prop.Length), 10, 64); err == nil && n >= 0 {
				f.size = n
			}
		}
		if p := ps.Prop.Principal; p != nil {
			f.principal = strings.TrimSpace(p.Href)
		}
		if box := ps.Prop.InboxURL; box != nil {
			f.inbox = strings.TrimSpace(box.Href)
		}
		if box := ps.Prop.OutboxURL; box != nil {
			f.outbox = strings.TrimSpace(box.Href)
		}
		if rt := ps.Prop.ResourceType; rt != nil {
			f.isCalendar = rt.Calendar != nil
			f.isCollection = rt.Collection != nil || rt.Calendar != nil
			f.isPrincipal = f.isPrincipal || rt.Principal != nil
		}
		if h := ps.Prop.HomeSet; h != nil && strings.TrimSpace(h.Href) != "" {
			f.isPrincipal = true
			f.homeSet = strings.TrimSpace(h.Href)
		}
	}
	if r.Status != "" && !okStatus(r.Status) {
		f.etag, f.data = nil, nil
	}
	return f, true
}

// okStatus reads "HTTP/1.1 200 OK"; an absent status counts as success.
func okStatus(s string) bool {
	fields := strings.Fields(s)
	if len(fields) < 2 {
		return s == ""
	}
	code, err := strconv.Atoi(fields[1])
	return err == nil && code/100 == 2
}

// protectCR replaces each carriage return in character data with "&#13;"
// (in a CDATA section: ends the section around it), leaving markup alone,
// so that the decoded text keeps it.
func protectCR(body []byte) []byte {
	if bytes.IndexByte(body, '\r') < 0 {
		return body
	}
	var out bytes.Buffer
	out.Grow(len(body) + len(body)/32)
	for i := 0; i < len(body); {
		switch {
		case body[i] == '\r':
			out.WriteString("&#13;")
			i++
		case body[i] != '<':
			out.WriteByte(body[i])
			i++
		case bytes.HasPrefix(body[i:], []byte("<![CDATA[")):
			end := bytes.Index(body[i:], []byte("]]>"))
			if end < 0 { // unterminated: the decoder will say so
				out.Write(body[i:])
				return out.Bytes()
			}
			section := body[i+len("<![CDATA[") : i+end]
			out.WriteString("<![CDATA[")
			out.Write(bytes.ReplaceAll(section, []byte("\r"), []byte("]]>&#13;<![CDATA[")))
			out.WriteString("]]>")
			i += end + 3
		default:
			i += copyMarkup(&out, body[i:])
		}
	}
	return out.Bytes()
}

// copyMarkup copies one tag, comment or processing instruction as is and
// returns its length. A '>' inside a quoted attribute value does not end
// the tag.
func copyMarkup(out *bytes.Buffer, b []byte) int {
	end := len(b)
	for _, pair := range [][2]string{{"<!--", "-->"}, {"<?", "?>"}} {
		if bytes.HasPrefix(b, []byte(pair[0])) {
			if j := bytes.Index(b, []byte(pair[1])); j >= 0 {
				end = j + len(pair[1])
			}
			out.Write(b[:end])
			return end
		}
	}
	var quote byte
	for j := 1; j < len(b); j++ {
		switch c := b[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			end = j + 1
			out.Write(b[:end])
			return end
		}
	}
	out.Write(b)
	return len(b)
}
