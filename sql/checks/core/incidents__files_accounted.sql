-- severity: ERROR
-- description: for every file version read, rows_read = rows_loaded + rows_quarantined, and the quarantine
-- holds exactly rows_quarantined rows for each current file
select f.source_file || ' (read ' || f.rows_read || ', loaded ' || f.rows_loaded || ', quarantined '
       || f.rows_quarantined || ', in dq.quarantine ' || coalesce(q.n, 0) || ')' as id
from dq.file_loads f
left join (select source, source_file, sha256, count(*) as n from dq.quarantine group by all) q
  using (source, source_file, sha256)
where f.rows_read <> f.rows_loaded + f.rows_quarantined
   or (f.is_current and f.rows_quarantined <> coalesce(q.n, 0))
