package novatest

// RemoveServer deletes a server from the fake, as nova does once
// DELETE /servers/{server_id} has finished, and reports whether it
// existed. Nova soft-deletes a server's migration records together with
// the server, so its migrations leave GET /os-migrations and Migration and
// Migrations no longer return them; the server leaves GET /servers/detail
// and the per-server calls answer 404. A migration under way on it ends
// with it. As in nova, whose marker lookup reads deleted records too, the
// UUID of such a migration still works as a marker: the page starts after
// where the record was.
func (s *Server) RemoveServer(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.servers[id]; !ok {
		return false
	}
	delete(s.servers, id)
	for _, m := range s.migrations {
		if m.serverID == id {
			m.deleted = true
		}
	}
	return true
}
