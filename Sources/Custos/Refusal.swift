package import CustosStore

/// A library call that the law, the policy or a register turned down, with its reason in
/// words: the CLI exits 2 with it, the console shows it (in Dutch where its catalogue has the
/// words). Not an error of the machine.
package protocol Refusal: Error, CustomStringConvertible {
    var words: LibraryWords { get }
}

extension RequestRefusal: Refusal {}
extension BreachRefusal: Refusal {}
extension InformationRefusal: Refusal {}
