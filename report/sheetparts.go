package report

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// sheetExtras is what a streamed sheet gets as the workbook's zip is
// written, which excelize's stream writer does not give it well:
//
//   - its data rows, encoded by rowFile at a tenth of the stream
//     writer's cost;
//   - its dimension: the stream writer writes <dimension ref="A1"> before
//     the rows, which are not known yet; readers that trust it (openpyxl's
//     read-only mode) see an empty sheet;
//   - its clickable cells: excelize looks through all of a sheet's
//     relationships for each hyperlink it adds, so its cost grows with
//     their square (20,000 links: ten seconds); written here, each costs
//     its bytes.
type sheetExtras struct {
	name  string   // the sheet's
	rows  *rowFile // its data rows, which go before </sheetData> (the stream writer wrote the header row alone)
	ref   string   // the range its cells fill: "A1:N51"
	links []sheetLink
}

// sheetLink is a cell whose text is a web address, made a hyperlink (a
// relationship of the sheet, not a HYPERLINK formula: the cell stays text).
type sheetLink struct{ cell, url string }

// maxLinks is Excel's bound on the hyperlinks of one worksheet; the links
// beyond stay text, still copyable, and the HTML preview links them all.
const maxLinks = 65_529

// sheetZip writes each streamed sheet's extras into its parts as excelize
// writes the zip: the dimension and the hyperlinks into the sheet's XML,
// the hyperlinks' relationships into the sheet's relationships part.
type sheetZip struct {
	excelize.ZipWriter
	sheets map[string]*sheetExtras // by part name: xl/worksheets/sheetN.xml
	rels   map[string]*sheetExtras // by part name: xl/worksheets/_rels/sheetN.xml.rels
	cur    interface{ done() error }
	// unwritten are the sheets, by name, whose part has not come yet: Close
	// fails if one never did (its rows would be lost).
	unwritten map[string]bool
}

// newSheetZip maps the extras of sheets, by name, onto their parts.
func newSheetZip(zw excelize.ZipWriter, f *excelize.File, extras map[string]*sheetExtras) *sheetZip {
	z := &sheetZip{ZipWriter: zw, sheets: map[string]*sheetExtras{}, rels: map[string]*sheetExtras{}, unwritten: map[string]bool{}}
	for name := range extras {
		z.unwritten[name] = true
	}
	for id, name := range f.GetSheetMap() {
		if e, ok := extras[name]; ok {
			e.name = name
			z.sheets[fmt.Sprintf("xl/worksheets/sheet%d.xml", id)] = e
			if len(e.links) > 0 {
				z.rels[fmt.Sprintf("xl/worksheets/_rels/sheet%d.xml.rels", id)] = e
			}
		}
	}
	return z
}

func (z *sheetZip) Create(name string) (io.Writer, error) {
	if err := z.flush(); err != nil {
		return nil, err
	}
	w, err := z.ZipWriter.Create(name)
	if err != nil {
		return nil, err
	}
	if e, ok := z.sheets[name]; ok {
		delete(z.unwritten, e.name)
		sw := &sheetWriter{w: w, e: e}
		z.cur = sw
		return sw, nil
	}
	if e, ok := z.rels[name]; ok {
		delete(z.rels, name) // written: Close need not add it
		rw := &relsWriter{w: w, e: e}
		z.cur = rw
		return rw, nil
	}
	return w, nil
}

func (z *sheetZip) AddFS(fsys fs.FS) error {
	if err := z.flush(); err != nil {
		return err
	}
	return z.ZipWriter.AddFS(fsys)
}

// Close adds the relationships part of a sheet with links that had none
// (a sheet without a table), then ends the zip.
func (z *sheetZip) Close() error {
	if err := z.flush(); err != nil {
		return err
	}
	for _, name := range slices.Sorted(mapKeys(z.unwritten)) {
		return fmt.Errorf("sheet %s: its part was not written where expected; its rows are not in the workbook", name)
	}
	for _, name := range slices.Sorted(mapKeys(z.rels)) {
		w, err := z.ZipWriter.Create(name)
		if err != nil {
			return err
		}
		rw := &relsWriter{w: w, e: z.rels[name]}
		rw.head = []byte(xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>`)
		if err := rw.done(); err != nil {
			return err
		}
	}
	return z.ZipWriter.Close()
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (z *sheetZip) flush() error {
	if z.cur == nil {
		return nil
	}
	err := z.cur.done()
	z.cur = nil
	return err
}

// sheetWriter passes a sheet's XML on with its dimension written in and
// its hyperlinks after its rows.
type sheetWriter struct {
	w      io.Writer
	e      *sheetExtras
	head   []byte // held back until the dimension is in it
	headed bool   // the dimension is written (or was not where expected)
	tail   []byte // the end of what passed, where </sheetData> may begin
	linked bool   // the rows and the hyperlinks are written
}

// dimensionHeadBytes bounds how far into a sheet the dimension is looked
// for: it follows the XML declaration and the sheet's properties.
const dimensionHeadBytes = 8 << 10

// oneCell is the dimension excelize writes, as the XML encoder writes it.
var oneCell = regexp.MustCompile(`<dimension ref="A1"\s*(?:/>|></dimension>)`)

var endOfRows = []byte("</sheetData>")

func (s *sheetWriter) Write(p []byte) (int, error) {
	n := len(p)
	if !s.headed {
		s.head = append(s.head, p...)
		if !s.dimension() && len(s.head) < dimensionHeadBytes {
			return n, nil
		}
		s.headed = true
		p, s.head = s.head, nil
	}
	return n, s.pass(p)
}

// pass writes on what follows the head, the data rows before the end of
// the header's sheetData and the hyperlinks right after it (no other
// element comes between in a streamed sheet: they are where excelize
// itself writes them).
func (s *sheetWriter) pass(p []byte) error {
	if s.linked || len(s.e.links) == 0 && s.e.rows == nil {
		_, err := s.w.Write(p)
		return err
	}
	// The tag may start in the bytes held back from the last write: look
	// across the seam first, then in p alone, without copying p (a
	// sheet's XML comes in chunks of megabytes).
	seam := append(s.tail, p[:min(len(p), len(endOfRows)-1)]...)
	if i := bytes.Index(seam, endOfRows); i >= 0 {
		return s.spliceAt(seam[:i+len(endOfRows)], p[i+len(endOfRows)-len(s.tail):])
	}
	if i := bytes.Index(p, endOfRows); i >= 0 {
		if _, err := s.w.Write(s.tail); err != nil {
			return err
		}
		return s.spliceAt(p[:i+len(endOfRows)], p[i+len(endOfRows):])
	}
	keep := min(len(seam), len(endOfRows)-1) // the end of what came: a tag cut between two writes
	if len(p) >= keep {
		if _, err := s.w.Write(s.tail); err != nil {
			return err
		}
		if _, err := s.w.Write(p[:len(p)-keep]); err != nil {
			return err
		}
		s.tail = append(s.tail[:0], p[len(p)-keep:]...)
		return nil
	}
	if _, err := s.w.Write(seam[:len(seam)-keep]); err != nil {
		return err
	}
	s.tail = append([]byte(nil), seam[len(seam)-keep:]...)
	return nil
}

// spliceAt writes the sheet up to the end of its sheetData, the data rows,
// that end, the hyperlinks, and the rest.
func (s *sheetWriter) spliceAt(head, rest []byte) error {
	s.linked, s.tail = true, nil
	if _, err := s.w.Write(head[:len(head)-len(endOfRows)]); err != nil {
		return err
	}
	if s.e.rows != nil {
		rows, err := s.e.rows.rows()
		if err != nil {
			return err
		}
		if _, err := io.Copy(s.w, rows); err != nil {
			return err
		}
	}
	if _, err := s.w.Write(endOfRows); err != nil {
		return err
	}
	if len(s.e.links) > 0 {
		if err := writeHyperlinks(s.w, s.e.links); err != nil {
			return err
		}
	}
	_, err := s.w.Write(rest)
	return err
}

// dimension writes the range into the dimension held back, if it is there.
func (s *sheetWriter) dimension() bool {
	at := oneCell.FindIndex(s.head)
	if at == nil || s.e.ref == "" {
		return false
	}
	s.head = slices.Concat(s.head[:at[0]], []byte(`<dimension ref="`+s.e.ref+`"/>`), s.head[at[1]:])
	return true
}

// done writes what is held back of a sheet when its part ends.
func (s *sheetWriter) done() error {
	if !s.headed {
		s.headed = true
		s.dimension()
		if err := s.pass(s.head); err != nil {
			return err
		}
	}
	if len(s.tail) > 0 {
		if _, err := s.w.Write(s.tail); err != nil {
			return err
		}
	}
	if !s.linked && s.e.rows != nil {
		return fmt.Errorf("the sheet's part has no </sheetData> to write its rows before")
	}
	return nil
}

// relsWriter holds back a sheet's relationships part and writes it with
// the hyperlinks' relationships added.
type relsWriter struct {
	w    io.Writer
	e    *sheetExtras
	head []byte
}

func (r *relsWriter) Write(p []byte) (int, error) {
	r.head = append(r.head, p...)
	return len(p), nil
}

var endOfRels = []byte("</Relationships>")

func (r *relsWriter) done() error {
	i := bytes.LastIndex(r.head, endOfRels)
	if i < 0 {
		_, err := r.w.Write(r.head) // not the part expected: as it was
		return err
	}
	b := bufio.NewWriterSize(r.w, 64<<10) // tens of thousands of links: written as they go
	b.Write(r.head[:i])
	for k, l := range r.e.links {
		b.WriteString(`<Relationship Id="` + linkID(k) + `" Target="`)
		xml.EscapeText(b, []byte(l.url))
		b.WriteString(`" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" TargetMode="External"/>`)
	}
	b.Write(r.head[i:])
	return b.Flush()
}

// linkID names the relationship of a sheet's kth link; excelize's own are
// rId and a number, so these never meet them.
func linkID(k int) string { return "rIdLink" + strconv.Itoa(k+1) }

// writeHyperlinks writes a sheet's <hyperlinks> element.
func writeHyperlinks(w io.Writer, links []sheetLink) error {
	b := bufio.NewWriterSize(w, 64<<10)
	b.WriteString("<hyperlinks>")
	for k, l := range links {
		b.WriteString(`<hyperlink ref="` + l.cell + `" r:id="` + linkID(k) + `"/>`)
	}
	b.WriteString("</hyperlinks>")
	return b.Flush()
}
