package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// When etcd's database file reaches its quota (2 GiB by default), etcd
// raises the NOSPACE alarm and refuses every write that adds data until
// the alarm is disarmed; reads and deletes still work. The alarm is not
// lifted by etcd itself, even once compaction has freed the space, and
// the file does not shrink until it is defragmented. So maintain, after
// each compaction, defragments the members that gain from it and disarms
// NOSPACE once every member is back under its quota by a margin: a
// cluster that filled up recovers by itself once objects are deleted.

// defragMinFree is how much free space, at the least, makes a member
// worth defragmenting when no alarm is raised: defragmenting blocks the
// member's reads and writes while it rewrites the file.
const defragMinFree = 8 << 20

// defaultQuota is etcd's quota when a member does not report its own.
const defaultQuota = 2 << 30

// NoSpaceError is a write refused because etcd's database is full.
type NoSpaceError struct {
	Quota int64 // the database quota in bytes; 0 when etcd did not say
}

// Error says what happened and what to do, in place of etcd's
// "mvcc: database space exceeded".
func (e *NoSpaceError) Error() string {
	quota := ""
	if e.Quota > 0 {
		quota = fmt.Sprintf(" (quota %d bytes)", e.Quota)
	}
	return "etcd is out of space" + quota + ": delete objects; it recovers by itself after compaction"
}

// noSpace turns etcd's refusal of a write into a *NoSpaceError.
func (s *Store) noSpace(ctx context.Context, err error) error {
	if !errors.Is(err, rpctypes.ErrNoSpace) && !errors.Is(err, rpctypes.ErrGRPCNoSpace) {
		return err
	}
	e := &NoSpaceError{}
	// The in-process client of an embedded etcd has no endpoints; its
	// Status reaches its one member whatever endpoint is named.
	endpoint := ""
	if eps := s.cli.Endpoints(); len(eps) > 0 {
		endpoint = eps[0]
	}
	if st, serr := s.cli.Status(ctx, endpoint); serr == nil {
		e.Quota = st.DbSizeQuota
	}
	return e
}

// Alarms returns etcd's raised alarms, one line each, e.g. "NOSPACE on
// member 8e9e05c52164694d: etcd is out of space …"; none when all is well.
func (s *Store) Alarms(ctx context.Context) ([]string, error) {
	resp, err := s.cli.AlarmList(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list etcd alarms: %w", err)
	}
	var out []string
	for _, a := range resp.Alarms {
		line := fmt.Sprintf("%s on member %x", a.Alarm, a.MemberID)
		if a.Alarm == pb.AlarmType_NOSPACE {
			line += ": " + (&NoSpaceError{}).Error()
		}
		out = append(out, line)
	}
	return out, nil
}

// maintain defragments each member that gains from it and disarms a
// NOSPACE alarm once every member is under its quota again. Failures are
// logged: maintenance is retried at the next call. A member whose address
// this client cannot reach (an external cluster behind other names) is
// skipped with a log line.
func (s *Store) maintain(ctx context.Context, log *zap.Logger) {
	alarms, err := s.cli.AlarmList(ctx)
	if err != nil {
		log.Warn("maintenance: cannot list etcd alarms", zap.Error(err))
		return
	}
	noSpace := false
	for _, a := range alarms.Alarms {
		noSpace = noSpace || a.Alarm == pb.AlarmType_NOSPACE
	}
	members, err := s.cli.MemberList(ctx)
	if err != nil {
		log.Warn("maintenance: cannot list etcd members", zap.Error(err))
		return
	}
	underQuota := true
	for _, m := range members.Members {
		if len(m.ClientURLs) == 0 {
			log.Info("maintenance: skipping an etcd member without a client address", zap.String("member", m.Name))
			underQuota = false
			continue
		}
		ok, err := s.maintainMember(ctx, m.ClientURLs[0], noSpace, log)
		if err != nil {
			log.Warn("maintenance: skipping an etcd member", zap.String("member", m.Name),
				zap.String("endpoint", m.ClientURLs[0]), zap.Error(err))
		}
		underQuota = underQuota && ok
	}
	if noSpace && underQuota {
		s.disarmNoSpace(ctx, alarms.Alarms, log)
	}
}

// maintainMember defragments one member if that frees enough, or always
// while the NOSPACE alarm is on (the alarm stays until the file shrinks,
// and the bytes "in use" lag behind a compaction's commit), and reports
// whether its database is then under its quota by a tenth.
func (s *Store) maintainMember(ctx context.Context, endpoint string, noSpace bool, log *zap.Logger) (bool, error) {
	st, err := s.cli.Status(ctx, endpoint)
	if err != nil {
		return false, err
	}
	free := st.DbSize - st.DbSizeInUse
	if noSpace || free >= defragMinFree && free >= st.DbSize/2 {
		if _, err := s.cli.Defragment(ctx, endpoint); err != nil {
			return false, fmt.Errorf("defragment: %w", err)
		}
		before := st.DbSize
		if st, err = s.cli.Status(ctx, endpoint); err != nil {
			return false, err
		}
		log.Info("defragmented etcd", zap.String("endpoint", endpoint),
			zap.Int64("bytesBefore", before), zap.Int64("bytesAfter", st.DbSize))
	}
	quota := st.DbSizeQuota
	if quota <= 0 {
		quota = defaultQuota
	}
	return st.DbSize < quota-quota/10, nil
}

// disarmNoSpace lifts the NOSPACE alarms: the space is back.
func (s *Store) disarmNoSpace(ctx context.Context, alarms []*pb.AlarmMember, log *zap.Logger) {
	var disarmed []string
	for _, a := range alarms {
		if a.Alarm != pb.AlarmType_NOSPACE {
			continue
		}
		if _, err := s.cli.AlarmDisarm(ctx, (*clientv3.AlarmMember)(a)); err != nil {
			log.Warn("maintenance: cannot disarm the NOSPACE alarm", zap.Uint64("member", a.MemberID), zap.Error(err))
			return
		}
		disarmed = append(disarmed, fmt.Sprintf("%x", a.MemberID))
	}
	log.Info("etcd has space again: disarmed the NOSPACE alarm, writes are accepted",
		zap.String("members", strings.Join(disarmed, ",")))
}
