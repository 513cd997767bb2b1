//! The exact minimum-bytes anchor set.
//!
//! Each endpoint must be covered by at least one chosen anchor (the device accepts its served
//! chain with that anchor alone); the set must span at least `redundancy` distinct CA owners,
//! the extra owners as backup roots for the day a CA disappears. The search is branch and
//! bound over the anchors that cover something, plus the cheapest backup per other owner;
//! instances are small (tens of candidates), so the optimum is exact.

/// One candidate for the solver.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Its owner.
    pub owner: String,
    /// Bytes it adds in the output format.
    pub cost: usize,
    /// Which endpoints it covers.
    pub covers: Vec<bool>,
    /// Tie-break key (smaller first): e.g. negative expiry for `--prefer longest`.
    pub tie: i64,
}

/// A solution: indexes of candidates and its total cost (without format overhead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// Chosen candidates.
    pub chosen: Vec<usize>,
    /// Their total cost.
    pub cost: usize,
}

struct Search<'a> {
    c: &'a [Candidate],
    n_endpoints: usize,
    redundancy: usize,
    best: Vec<Solution>,
    nodes: usize,
}

impl Search<'_> {
    /// Cheapest ways to reach `redundancy` owners given the chosen ones: the best backups, and
    /// the best with the last backup replaced by the next-cheapest owner (the runner-up).
    fn complete(&self, chosen: &[usize]) -> Vec<Solution> {
        let mut owners: Vec<&str> = chosen.iter().map(|i| self.c[*i].owner.as_str()).collect();
        owners.sort();
        owners.dedup();
        let mut extra: Vec<usize> = Vec::new();
        if owners.len() < self.redundancy {
            // Cheapest candidate of each missing owner, cheapest owners first.
            let mut per_owner: Vec<(usize, i64, usize)> = Vec::new();
            for (i, c) in self.c.iter().enumerate() {
                if owners.contains(&c.owner.as_str()) || chosen.contains(&i) {
                    continue;
                }
                match per_owner
                    .iter_mut()
                    .find(|(j, ..)| self.c[*j].owner == c.owner)
                {
                    Some(e) if (c.cost, c.tie) < (e.2, e.1) => *e = (i, c.tie, c.cost),
                    Some(_) => {}
                    None => per_owner.push((i, c.tie, c.cost)),
                }
            }
            per_owner.sort_by_key(|(_, tie, cost)| (*cost, *tie));
            let need = self.redundancy - owners.len();
            if per_owner.len() < need {
                return Vec::new();
            }
            extra = per_owner.iter().take(need).map(|(i, ..)| *i).collect();
            if let Some(next) = per_owner.get(need) {
                let mut alt = extra.clone();
                alt.pop();
                alt.push(next.0);
                return vec![self.solution(chosen, extra), self.solution(chosen, alt)];
            }
        }
        vec![self.solution(chosen, extra)]
    }

    fn solution(&self, chosen: &[usize], extra: Vec<usize>) -> Solution {
        let mut all: Vec<usize> = chosen.iter().copied().chain(extra).collect();
        all.sort();
        let cost = all.iter().map(|i| self.c[*i].cost).sum();
        Solution { chosen: all, cost }
    }

    fn offer(&mut self, s: Solution) {
        if self.best.iter().any(|b| b.chosen == s.chosen) {
            return;
        }
        let key = |x: &Solution| (x.cost, x.chosen.iter().map(|i| self.c[*i].tie).sum::<i64>());
        self.best.push(s);
        self.best.sort_by_key(key);
        self.best.truncate(2);
    }

    fn bound(&self) -> usize {
        self.best.get(1).map_or(usize::MAX, |s| s.cost)
    }

    fn dfs(&mut self, chosen: &mut Vec<usize>, cost: usize) {
        self.nodes += 1;
        if cost > self.bound() || self.nodes > 2_000_000 {
            return;
        }
        let uncovered = (0..self.n_endpoints).find(|e| {
            let coverable = self.c.iter().any(|c| c.covers[*e]);
            coverable && !chosen.iter().any(|i| self.c[*i].covers[*e])
        });
        match uncovered {
            None => {
                for s in self.complete(chosen) {
                    self.offer(s);
                }
            }
            Some(e) => {
                let mut options: Vec<usize> =
                    (0..self.c.len()).filter(|i| self.c[*i].covers[e]).collect();
                options.sort_by_key(|i| (self.c[*i].cost, self.c[*i].tie));
                for i in options {
                    chosen.push(i);
                    let c = self.c[i].cost;
                    self.dfs(chosen, cost + c);
                    chosen.pop();
                }
            }
        }
    }
}

/// The best and the runner-up solutions. Endpoints no candidate covers are ignored (the caller
/// reports them).
pub fn solve(candidates: &[Candidate], n_endpoints: usize, redundancy: usize) -> Vec<Solution> {
    let mut s = Search {
        c: candidates,
        n_endpoints,
        redundancy: redundancy.max(1),
        best: Vec::new(),
        nodes: 0,
    };
    s.dfs(&mut Vec::new(), 0);
    s.best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(owner: &str, cost: usize, covers: &[bool]) -> Candidate {
        Candidate {
            owner: owner.into(),
            cost,
            covers: covers.to_vec(),
            tie: 0,
        }
    }

    #[test]
    fn picks_the_cheapest_cover_and_backup() {
        let cands = vec![
            c("A", 1400, &[true, false]),
            c("A", 600, &[true, false]),
            c("B", 900, &[false, true]),
            c("C", 500, &[false, false]),
            c("D", 450, &[false, false]),
        ];
        let s = solve(&cands, 2, 1);
        assert_eq!(s[0].chosen, vec![1, 2]);
        assert_eq!(s[0].cost, 1500);
        let s = solve(&cands, 2, 3);
        assert_eq!(s[0].chosen, vec![1, 2, 4]);
        assert_eq!(s[0].cost, 1950);
        assert_eq!(s[1].cost, 2000);
    }

    #[test]
    fn one_anchor_covering_both_beats_two() {
        let cands = vec![
            c("A", 700, &[true, false]),
            c("B", 700, &[false, true]),
            c("C", 1000, &[true, true]),
        ];
        assert_eq!(solve(&cands, 2, 1)[0].chosen, vec![2]);
        assert_eq!(solve(&cands, 2, 2)[0].chosen, vec![0, 1]);
    }
}
