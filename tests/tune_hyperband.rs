//! `hyperband_brackets` against the published table (Li et al., 2018, JMLR 18(185), Table 1:
//! R = 81, η = 3).

use tuneup::tune::{hyperband_brackets, HalvingIteration};

#[test]
fn brackets_equal_the_published_table() {
    let table: [&[(usize, usize)]; 5] = [
        &[(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
        &[(34, 3), (11, 9), (3, 27), (1, 81)],
        &[(15, 9), (5, 27), (1, 81)],
        &[(8, 27), (2, 81)],
        &[(5, 81)],
    ];
    let brackets = hyperband_brackets(81, 3).unwrap();
    assert_eq!(brackets.len(), table.len());
    for (got, want) in brackets.iter().zip(table) {
        let want: Vec<HalvingIteration> = want
            .iter()
            .map(|&(candidates, resources)| HalvingIteration {
                candidates,
                resources,
            })
            .collect();
        assert_eq!(got, &want);
    }
}

#[test]
fn bad_settings_are_errors_and_huge_ones_do_not_overflow() {
    assert!(hyperband_brackets(0, 3).is_err());
    assert!(hyperband_brackets(10, 0).is_err());
    let b = hyperband_brackets(usize::MAX, 2).unwrap();
    assert_eq!(b.len(), 64);
}
