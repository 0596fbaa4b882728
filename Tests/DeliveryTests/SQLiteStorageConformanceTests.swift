import XCTest

/// The storage conformance suite on SQLite. A driver's test case forwards each check.
final class SQLiteStorageConformanceTests: XCTestCase {
    private var suite: StorageConformance { StorageConformance(driver: .sqlite, test: self) }

    func testRegisteredDevicesAreListedNewestFirst() async throws { try await suite.registeredDevicesAreListedNewestFirst() }
    func testReRegisteringATokenMovesItToTheNewClient() async throws { try await suite.reRegisteringATokenMovesItToTheNewClient() }
    func testTheLimitDropsTheLeastRecentlySeen() async throws { try await suite.theLimitDropsTheLeastRecentlySeen() }
    func testConcurrentRegistrationsForOneClientKeepTheLimit() async throws { try await suite.concurrentRegistrationsForOneClientKeepTheLimit() }
    func testDevicesOfManyClientsComeInOneCall() async throws { try await suite.devicesOfManyClientsComeInOneCall() }
    func testRemovingATokenReturnsTheDevice() async throws { try await suite.removingATokenReturnsTheDevice() }
    func testTheNewestDeviceGivesTheLocale() async throws { try await suite.theNewestDeviceGivesTheLocale() }
    func testEnqueueStoresJobsWithBadgesInOneCall() async throws { try await suite.enqueueStoresJobsWithBadgesInOneCall() }
    func testClaimTakesDueJobsOfOneProviderUnderALease() async throws { try await suite.claimTakesDueJobsOfOneProviderUnderALease() }
    func testAnExpiredLeaseComesBackAndTheOldLeaseChangesNothing() async throws { try await suite.anExpiredLeaseComesBackAndTheOldLeaseChangesNothing() }
    func testABatchOfFinishesAnswersPerJob() async throws { try await suite.aBatchOfFinishesAnswersPerJob() }
    func testRetryWaitsForItsTimeAndKeepsTheAnswer() async throws { try await suite.retryWaitsForItsTimeAndKeepsTheAnswer() }
    func testReleaseGivesAJobBackDueAtOnce() async throws { try await suite.releaseGivesAJobBackDueAtOnce() }
    func testDeadJobsAreListedRetriedAndPurged() async throws { try await suite.deadJobsAreListedRetriedAndPurged() }
    func testStatsCountByStateAndProvider() async throws { try await suite.statsCountByStateAndProvider() }
    func testStatsEqualTheJobsAfterEveryKindOfWrite() async throws { try await suite.statsEqualTheJobsAfterEveryKindOfWrite() }
    func testConcurrentEnqueuesShareTransactionsAndBadges() async throws { try await suite.concurrentEnqueuesShareTransactionsAndBadges() }
    func testAFailingBatchFailsOnlyItsOwnCaller() async throws { try await suite.aFailingBatchFailsOnlyItsOwnCaller() }
    func testALargeBatchKeepsItsOrderAndBadges() async throws { try await suite.aLargeBatchKeepsItsOrderAndBadges() }
    func testInstancesCountingTheSameReceiversAtOnce() async throws { try await suite.instancesCountingTheSameReceiversAtOnce() }
    func testInstancesClaimingAtOnceNeverShareAJob() async throws { try await suite.instancesClaimingAtOnceNeverShareAJob() }
    func testADeadInstancesLeasesComeBackToTheOthers() async throws { try await suite.aDeadInstancesLeasesComeBackToTheOthers() }
    func testTheDirectoryAndMutesAreKeptAndReadBack() async throws { try await suite.theDirectoryAndMutesAreKeptAndReadBack() }
    func testExposuresAreCountedPerVariant() async throws { try await suite.exposuresAreCountedPerVariant() }
    func testARepeatedExposureIsIgnored() async throws { try await suite.aRepeatedExposureIsIgnored() }
    func testReceiverIdsAreStoredAsGiven() async throws { try await suite.receiverIdsAreStoredAsGiven() }
    func testOpensAreCountedOncePerPushAndReceiver() async throws { try await suite.opensAreCountedOncePerPushAndReceiver() }
    func testAnOpenCountsOnlyWithinTheWindow() async throws { try await suite.anOpenCountsOnlyWithinTheWindow() }
    func testAnOpenOfAnUnknownPushIsIgnored() async throws { try await suite.anOpenOfAnUnknownPushIsIgnored() }
    func testASharedPushNeedsTheReceiver() async throws { try await suite.aSharedPushNeedsTheReceiver() }
    func testAGroupOfManyReceiversIsOnePush() async throws { try await suite.aGroupOfManyReceiversIsOnePush() }
    func testARetriedBatchCountsOnce() async throws { try await suite.aRetriedBatchCountsOnce() }
    func testALateOpenWithoutPushIdOpensThePushBeforeIt() async throws { try await suite.aLateOpenWithoutPushIdOpensThePushBeforeIt() }
    func testAnOpenWithoutPushIdOpensTheLatestPush() async throws { try await suite.anOpenWithoutPushIdOpensTheLatestPush() }
    func testSinceCountsOnlyLaterPushesAndTheirOpens() async throws { try await suite.sinceCountsOnlyLaterPushesAndTheirOpens() }
    func testOverridesAreSetReplacedAndRemoved() async throws { try await suite.overridesAreSetReplacedAndRemoved() }
    func testTheFirstWeightsOfAMinuteAreKept() async throws { try await suite.theFirstWeightsOfAMinuteAreKept() }
    func testTwoStoresOnOneDatabaseSeeEachOther() async throws { try await suite.twoStoresOnOneDatabaseSeeEachOther() }
    func testInstancesRecordingAtOnceCountEverything() async throws { try await suite.instancesRecordingAtOnceCountEverything() }
}
