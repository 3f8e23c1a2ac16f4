package novatest

import "time"

// LoseNextRecords makes the next n migrations the fake accepts (live, cold
// or evacuations) never get a migration record, as when the message to
// nova's conductor is lost: the start is answered as usual and its
// instance action recorded, but the server shows the move's task state
// (MIGRATING, RESIZE or REBUILD) for ever, and neither GET /os-migrations
// nor GET /servers/{server_id}/migrations ever lists a record. Migration
// and Migrations still report it. Calls add up; n <= 0 cancels every
// pending loss.
func (s *Server) LoseNextRecords(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		s.loseNext = 0
		return
	}
	s.loseNext += n
}

// StrandNextMigrations makes the next n migrations that would succeed end
// as if they had ("completed", "finished" then "confirmed", "done") while
// their servers stay on the source host: a record that says the move
// happened when it did not, for testing code that checks where a server
// is. Calls add up; n <= 0 cancels every pending one.
func (s *Server) StrandNextMigrations(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		s.strandNext = 0
		return
	}
	s.strandNext += n
}

// loseLocked makes m a lost migration if one is planned: its first status
// lasts for ever and its record never shows. The caller holds s.mu and
// has given m its first mark.
func (s *Server) loseLocked(m *migration) bool {
	if s.loseNext <= 0 {
		return false
	}
	s.loseNext--
	m.lost = true
	m.marks = m.marks[:1]
	return true
}

// strandLocked strands m if a stranding is planned. The caller holds s.mu.
func (s *Server) strandLocked(m *migration) {
	if s.strandNext > 0 {
		s.strandNext--
		m.stranded = true
	}
}

// visible reports whether nova lists the migration's record at now.
func (m *migration) visible(now time.Time) bool {
	return !m.lost && !m.deleted && !now.Before(m.visibleAt)
}

// landing is the host a migration leaves its server on once it has
// succeeded: the destination, or the source for a stranded one.
func (m *migration) landing() *host {
	if m.stranded || m.dest == nil {
		return m.source
	}
	return m.dest
}
