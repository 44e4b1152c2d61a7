/// A library call that the law, the policy or a register turned down, with its reason in
/// words: the CLI exits 2 with it, the console shows it. Not an error of the machine.
package protocol Refusal: Error, CustomStringConvertible {}

extension RequestRefusal: Refusal {}
extension BreachRefusal: Refusal {}
extension InformationRefusal: Refusal {}
