//! `Dataset`: constructors and their shape checks, counts, names, selection and splitting.

use ndarray::{array, Array2};
use tuneup::data::{Dataset, DatasetTargets};
use tuneup::loss::Targets;
use tuneup::Error;

fn toy() -> Dataset<f64> {
    let x = Array2::from_shape_fn((6, 2), |(i, j)| (10 * i + j) as f64);
    Dataset::classification(x, vec![0, 2, 2, 1, 2, 0]).unwrap()
}

#[test]
fn constructors_check_row_counts() {
    let x = Array2::<f32>::zeros((3, 2));
    match Dataset::classification(x.clone(), vec![0, 1]) {
        Err(Error::Shape { found, .. }) => assert_eq!(found, "2 labels"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Dataset::regression(x.clone(), Array2::zeros((4, 1))),
        Err(Error::Shape { .. })
    ));
    let ds = Dataset::regression(x, Array2::zeros((3, 2))).unwrap();
    assert_eq!((ds.n_samples(), ds.n_features()), (3, 2));
    assert_eq!(ds.n_classes(), None);
    assert_eq!(ds.class_counts(), None);
    assert_eq!(ds.labels(), None);
    assert_eq!(ds.values().unwrap().dim(), (3, 2));
}

#[test]
fn class_counts_and_n_classes() {
    let ds = toy();
    assert_eq!(ds.n_classes(), Some(3));
    assert_eq!(ds.class_counts(), Some(vec![2, 1, 3]));
    let wider = ds.clone().with_n_classes(5).unwrap();
    assert_eq!(wider.class_counts(), Some(vec![2, 1, 3, 0, 0]));
    match ds.clone().with_n_classes(2) {
        Err(Error::Value { found, .. }) => assert_eq!(found, "label 2 at row 1"),
        other => panic!("{other:?}"),
    }
    let empty = Dataset::<f64>::classification(Array2::zeros((0, 3)), vec![]).unwrap();
    assert_eq!(empty.class_counts(), Some(vec![]));
}

#[test]
fn names_are_checked() {
    let ds = toy();
    assert!(matches!(
        ds.clone().with_feature_names(["a", "b", "c"]),
        Err(Error::Shape { .. })
    ));
    let named = ds
        .with_feature_names(["a", "b"])
        .unwrap()
        .with_class_names(["x", "y", "z"])
        .unwrap();
    assert_eq!(named.feature_names().unwrap(), ["a", "b"]);
    assert_eq!(named.class_names().unwrap(), ["x", "y", "z"]);
    assert!(matches!(
        named.clone().with_class_names(["x", "y"]),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        named.with_target_names(["t"]),
        Err(Error::State { .. })
    ));
    let reg = Dataset::regression(array![[1.0]], array![[1.0, 2.0]]).unwrap();
    assert!(matches!(
        reg.clone().with_target_names(["t"]),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        reg.clone().with_class_names(["t"]),
        Err(Error::State { .. })
    ));
    let reg = reg.with_target_names(["t", "u"]).unwrap();
    assert_eq!(reg.target_names().unwrap(), ["t", "u"]);
}

#[test]
fn select_gathers_rows_and_keeps_metadata() {
    let ds = toy()
        .with_feature_names(["a", "b"])
        .unwrap()
        .with_class_names(["x", "y", "z"])
        .unwrap();
    let sub = ds.select(&[5, 1, 1]).unwrap();
    assert_eq!(
        sub.features(),
        array![[50.0, 51.0], [10.0, 11.0], [10.0, 11.0]]
    );
    assert_eq!(sub.labels(), Some(&[0, 2, 2][..]));
    assert_eq!(sub.n_classes(), Some(3));
    assert_eq!(sub.class_counts(), Some(vec![1, 0, 2]));
    assert_eq!(sub.feature_names(), ds.feature_names());
    assert_eq!(sub.class_names(), ds.class_names());
    match ds.select(&[0, 6]) {
        Err(Error::Value { found, .. }) => assert_eq!(found, "6 at position 1"),
        other => panic!("{other:?}"),
    }
    let reg = Dataset::regression(array![[1.0], [2.0]], array![[3.0, 4.0], [5.0, 6.0]]).unwrap();
    let sub = reg.select(&[1]).unwrap();
    assert_eq!(sub.targets(), &DatasetTargets::Values(array![[5.0, 6.0]]));
}

#[test]
fn loss_targets_follow_the_target_kind() {
    let ds = toy();
    assert!(matches!(ds.loss_targets(), Targets::Classes(c) if c == [0, 2, 2, 1, 2, 0]));
    let reg = Dataset::regression(array![[1.0]], array![[2.0]]).unwrap();
    assert!(matches!(reg.loss_targets(), Targets::Dense(v) if v[[0, 0]] == 2.0));
}

#[test]
fn dataset_split_stratifies_and_pairs_rows() {
    let labels: Vec<usize> = (0..40).map(|i| usize::from(i % 4 == 0)).collect();
    let x = Array2::from_shape_fn((40, 1), |(i, _)| i as f64);
    let ds = Dataset::classification(x, labels).unwrap();
    let (train, test) = ds.train_test_split(0.25, true, 3).unwrap();
    // 30 / 10 with a test set of 10: 7.5 and 2.5 tie on remainders, the larger class wins.
    assert_eq!(train.class_counts(), Some(vec![22, 8]));
    assert_eq!(test.class_counts(), Some(vec![8, 2]));
    for (row, &l) in test
        .features()
        .rows()
        .into_iter()
        .zip(test.labels().unwrap())
    {
        assert_eq!(usize::from(row[0] as usize % 4 == 0), l);
    }
    let reg = Dataset::regression(Array2::<f64>::zeros((10, 1)), Array2::zeros((10, 1))).unwrap();
    assert!(matches!(
        reg.train_test_split(0.2, true, 0),
        Err(Error::State { .. })
    ));
    let (tr, te) = reg.train_test_split(0.2, false, 0).unwrap();
    assert_eq!((tr.n_samples(), te.n_samples()), (8, 2));
}

// ---------------------------------------------------------------------------------------------
// Mini-batches

use tuneup::data::BatchLoader;

/// Features whose first column is the row index, labels `i % 3`, dense targets `2i`.
fn indexed(n: usize) -> (Array2<f64>, Vec<usize>, Array2<f64>) {
    let x = Array2::from_shape_fn((n, 2), |(i, j)| (i + 100 * j) as f64);
    let labels = (0..n).map(|i| i % 3).collect();
    let y = Array2::from_shape_fn((n, 1), |(i, _)| 2.0 * i as f64);
    (x, labels, y)
}

#[test]
fn batches_cover_each_sample_once_with_paired_targets() {
    let (x, labels, y) = indexed(23);
    let mut loader = BatchLoader::new(5).unwrap().shuffle(9);
    for epoch in 0..3 {
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        let mut batches = loader
            .epoch(x.view(), labels.as_slice().into(), epoch)
            .unwrap();
        while let Some(b) = batches.next_batch() {
            sizes.push(b.x.nrows());
            let Targets::Classes(c) = b.targets else {
                panic!("labels expected")
            };
            for (r, &i) in b.indices.iter().enumerate() {
                assert_eq!(b.x[[r, 0]], i as f64);
                assert_eq!(b.x[[r, 1]], (i + 100) as f64);
                assert_eq!(c[r], i % 3);
            }
            seen.extend_from_slice(b.indices);
        }
        assert_eq!(sizes, vec![5, 5, 5, 5, 3]);
        assert_ne!(seen, (0..23).collect::<Vec<_>>(), "shuffled");
        seen.sort_unstable();
        assert_eq!(seen, (0..23).collect::<Vec<_>>());
    }
    // Dense targets follow their rows too.
    let mut batches = loader.epoch(x.view(), (&y).into(), 0).unwrap();
    while let Some(b) = batches.next_batch() {
        let Targets::Dense(v) = b.targets else {
            panic!("dense expected")
        };
        for (r, &i) in b.indices.iter().enumerate() {
            assert_eq!(v[[r, 0]], 2.0 * i as f64);
        }
    }
}

#[test]
fn shuffle_depends_only_on_seed_and_epoch() {
    let (x, labels, _) = indexed(40);
    let order = |seed: u64, epoch: u64| {
        let mut loader = BatchLoader::new(8).unwrap().shuffle(seed);
        let e = loader
            .epoch(x.view(), labels.as_slice().into(), epoch)
            .unwrap();
        e.order().to_vec()
    };
    assert_eq!(order(1, 4), order(1, 4));
    assert_ne!(order(1, 4), order(1, 5));
    assert_ne!(order(1, 4), order(2, 4));
    // Epoch 4 after epochs 0..4 on one loader equals epoch 4 on a fresh one (resumable).
    let mut loader = BatchLoader::new(8).unwrap().shuffle(1);
    for e in 0..4 {
        let mut b = loader.epoch(x.view(), labels.as_slice().into(), e).unwrap();
        while b.next_batch().is_some() {}
    }
    let resumed = loader
        .epoch(x.view(), labels.as_slice().into(), 4)
        .unwrap()
        .order()
        .to_vec();
    assert_eq!(resumed, order(1, 4));
    // Without shuffle the order is the identity in every epoch.
    let mut plain = BatchLoader::<f64>::new(8).unwrap();
    let e = plain.epoch(x.view(), labels.as_slice().into(), 7).unwrap();
    assert_eq!(e.order(), (0..40).collect::<Vec<_>>().as_slice());
}

#[test]
fn drop_last_skips_the_short_batch() {
    let (x, labels, _) = indexed(23);
    let mut loader = BatchLoader::new(5).unwrap().drop_last(true).shuffle(0);
    assert_eq!(loader.n_batches(23), 4);
    let mut batches = loader.epoch(x.view(), labels.as_slice().into(), 0).unwrap();
    let mut sizes = Vec::new();
    while let Some(b) = batches.next_batch() {
        sizes.push(b.x.nrows());
    }
    assert_eq!(sizes, vec![5, 5, 5, 5]);
    // Fewer samples than one batch: nothing with drop_last, one short batch without.
    let (x, labels, _) = indexed(3);
    let mut batches = loader.epoch(x.view(), labels.as_slice().into(), 0).unwrap();
    assert!(batches.next_batch().is_none());
    let mut keep = BatchLoader::new(5).unwrap();
    let mut batches = keep.epoch(x.view(), labels.as_slice().into(), 0).unwrap();
    assert_eq!(batches.next_batch().unwrap().x.nrows(), 3);
    assert!(batches.next_batch().is_none());
}

#[test]
fn batch_buffers_are_reused() {
    let (x, labels, _) = indexed(30);
    let mut loader = BatchLoader::new(7).unwrap().shuffle(3);
    let mut first = None;
    for epoch in 0..3 {
        let mut batches = loader
            .epoch(x.view(), labels.as_slice().into(), epoch)
            .unwrap();
        while let Some(b) = batches.next_batch() {
            let ptr = b.x.as_ptr() as usize;
            assert_eq!(*first.get_or_insert(ptr), ptr, "same buffer every batch");
        }
    }
}

#[test]
fn batch_loader_errors() {
    assert!(matches!(
        BatchLoader::<f64>::new(0),
        Err(Error::Config { .. })
    ));
    let (x, _, _) = indexed(4);
    let mut loader = BatchLoader::new(2).unwrap();
    assert!(matches!(
        loader.epoch(x.view(), (&[0usize, 1][..]).into(), 0),
        Err(Error::Shape { .. })
    ));
}

// A counting allocator: while the current thread is armed, every allocation is counted. The
// flag is thread-local, so tests running at the same time on other threads are not counted.
struct Counting;

static ALLOCATIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

thread_local! {
    static ARMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn count_if_armed() {
    if ARMED.try_with(|a| a.get()).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        count_if_armed();
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        count_if_armed();
        unsafe { std::alloc::System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        count_if_armed();
        unsafe { std::alloc::System.realloc(ptr, layout, size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn batches_allocate_nothing_after_the_first_epoch() {
    let (x, labels, y) = indexed(50);
    let mut loader = BatchLoader::new(8).unwrap().shuffle(2);
    let mut checksum = 0.0;
    // Warm-up epochs size the buffers (labels and dense targets).
    for targets in [labels.as_slice().into(), (&y).into()] {
        let mut batches = loader.epoch(x.view(), targets, 0).unwrap();
        while let Some(b) = batches.next_batch() {
            checksum += b.x[[0, 0]];
        }
    }
    let before = ALLOCATIONS.load(std::sync::atomic::Ordering::SeqCst);
    ARMED.with(|a| a.set(true));
    for epoch in 1..4 {
        let mut batches = loader.epoch(x.view(), (&y).into(), epoch).unwrap();
        while let Some(b) = batches.next_batch() {
            checksum += b.x[[b.x.nrows() - 1, 1]];
        }
    }
    ARMED.with(|a| a.set(false));
    let after = ALLOCATIONS.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(after - before, 0, "allocations in later epochs");
    // The counter does count: a fresh loader's first epoch allocates its buffers.
    let mut fresh = BatchLoader::new(8).unwrap();
    ARMED.with(|a| a.set(true));
    let first = fresh.epoch(x.view(), (&y).into(), 0).map(|e| e.remaining());
    ARMED.with(|a| a.set(false));
    assert_eq!(first.unwrap(), 7);
    assert!(ALLOCATIONS.load(std::sync::atomic::Ordering::SeqCst) > after);
    assert!(checksum > 0.0);
}
